/* scopecore.codec._cdecode: the usual shape of a report node, decoded in C.
 *
 * A host report is thousands of nodes, each a dict of a few small dicts and lists that the Python decoder walks
 * and type-checks key by key (bench/README.md: most of a decode). decode_node() does that walk in C for a node
 * whose every part has the expected type: latest entries of a string value and a timestamp string (parsed by
 * the decoder's own time(), once per report), sets, parents and adjacency as lists of strings, metrics whose
 * samples come in time order with non-NaN numbers; no children, edges or Scope's legacy counters. For anything
 * else it returns None, and the Python decoder (codec/decode.py, the reference) decodes the node, raising
 * DecodeError with the path of what is wrong. tests/unit/test_native_decode.py holds the two to equal results.
 * The values are made as report_types.h says.
 */
#include "report_types.h"

static ReportTypes T;
static PyObject *s_topology, *s_latest, *s_counters, *s_latest_controls, *s_sets, *s_parents, *s_adjacency;
static PyObject *s_metrics, *s_children, *s_edges, *s_value, *s_timestamp, *s_samples, *s_date, *s_min, *s_max;
static PyObject *s_empty, *f_inf, *f_neg_inf;

/* A borrowed d[key], NULL if absent (or on an error, which JSON's and msgpack's plain keys cannot raise). */
static inline PyObject *
get(PyObject *d, PyObject *key)
{
    return PyDict_GetItemWithError(d, key);
}

/* 1 if a value is missing or None. */
static inline int
absent(PyObject *v)
{
    return v == NULL || v == Py_None;
}

/* Why a node is left to Python. Not an error: a return value of decode_node. */
#define GIVE_UP ((PyObject *)1)

/* The ns of a timestamp string: from the report's cache, else parsed by the decoder's own time() (which caches
 * it). A new reference; GIVE_UP if it does not parse (Python raises, with the path, when it redoes the node). */
static PyObject *
timestamp(PyObject *ts, PyObject *times, PyObject *parse)
{
    if (!PyUnicode_CheckExact(ts))
        return GIVE_UP;
    PyObject *t = get(times, ts);
    if (t != NULL)
        return Py_NewRef(t);
    if (PyErr_Occurred())
        return NULL;
    if ((t = PyObject_CallOneArg(parse, ts)) == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return NULL;
        PyErr_Clear();
        return GIVE_UP;
    }
    if (!PyLong_CheckExact(t)) {
        Py_DECREF(t);
        return GIVE_UP;
    }
    return t;
}

/* A latest map: {key: {"value": str, "timestamp": str}}. */
static PyObject *
latest(PyObject *v, PyObject *times, PyObject *parse)
{
    if (absent(v) || (PyDict_CheckExact(v) && PyDict_GET_SIZE(v) == 0))
        return Py_NewRef(T.empty_latest);
    if (!PyDict_CheckExact(v))
        return GIVE_UP;
    PyObject *out = untracked(PyDict_New());
    if (out == NULL)
        return NULL;
    PyObject *k, *e;
    Py_ssize_t pos = 0;
    while (PyDict_Next(v, &pos, &k, &e)) {
        if (!PyUnicode_CheckExact(k) || !PyDict_CheckExact(e))
            goto give_up;
        PyObject *value = get(e, s_value), *ts = get(e, s_timestamp);
        if (value == NULL || !PyUnicode_CheckExact(value) || ts == NULL)
            goto give_up;
        PyObject *t = timestamp(ts, times, parse);
        if (t == NULL || t == GIVE_UP)
            goto give_up;
        PyObject *entry = untracked(PyTuple_Pack(2, t, value));
        Py_DECREF(t);
        if (entry == NULL || PyDict_SetItem(out, k, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(entry);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
    return wrap(T.latest, T.latest_entries, out);
give_up:
    Py_DECREF(out);
    return PyErr_Occurred() ? NULL : GIVE_UP;
}

/* A list of strings as a frozenset; GIVE_UP if it is not one. */
static PyObject *
strings(PyObject *items)
{
    if (!PyList_CheckExact(items))
        return GIVE_UP;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(items, i)))
            return GIVE_UP;
    return untracked(PyFrozenSet_New(items));
}

/* Sets or parents: {key: [str]}; empty sets are not kept. */
static PyObject *
sets(PyObject *v)
{
    if (absent(v) || (PyDict_CheckExact(v) && PyDict_GET_SIZE(v) == 0))
        return Py_NewRef(T.empty_sets);
    if (!PyDict_CheckExact(v))
        return GIVE_UP;
    PyObject *out = untracked(PyDict_New());
    if (out == NULL)
        return NULL;
    PyObject *k, *items;
    Py_ssize_t pos = 0;
    while (PyDict_Next(v, &pos, &k, &items)) {
        if (!PyUnicode_CheckExact(k)) {
            Py_DECREF(out);
            return GIVE_UP;
        }
        PyObject *s = strings(items);
        if (s == NULL || s == GIVE_UP) {
            Py_DECREF(out);
            return s;
        }
        int rc = PySet_GET_SIZE(s) ? PyDict_SetItem(out, k, s) : 0;
        Py_DECREF(s);
        if (rc < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    if (PyDict_GET_SIZE(out) == 0) {
        Py_DECREF(out);
        return Py_NewRef(T.empty_sets);
    }
    return wrap(T.sets, T.sets_entries, out);
}

/* A sample value, min or max as the decoder's number(): a finite-or-infinite float, or an int made float.
 * A new reference, or GIVE_UP (NaN, other types, ints too big for a float). */
static PyObject *
number(PyObject *v)
{
    if (PyFloat_CheckExact(v))
        return Py_IS_NAN(PyFloat_AS_DOUBLE(v)) ? GIVE_UP : Py_NewRef(v);
    if (PyLong_CheckExact(v)) {
        double d = PyLong_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return GIVE_UP;
        }
        return PyFloat_FromDouble(d);
    }
    return GIVE_UP;
}

/* The first smallest (or largest) of the floats, as Python's min() and max() pick. */
static PyObject *
extreme(PyObject *values, int largest)
{
    PyObject *best = PyTuple_GET_ITEM(values, 0);
    for (Py_ssize_t i = 1; i < PyTuple_GET_SIZE(values); i++) {
        PyObject *x = PyTuple_GET_ITEM(values, i);
        double a = PyFloat_AS_DOUBLE(x), b = PyFloat_AS_DOUBLE(best);
        if (largest ? a > b : a < b)
            best = x;
    }
    return best;
}

/* One metric: {"samples": [{"date": str, "value": number}], "min"?, "max"?}, samples strictly in time order. */
static PyObject *
metric(PyObject *m, PyObject *times, PyObject *parse)
{
    if (!PyDict_CheckExact(m))
        return GIVE_UP;
    PyObject *samples = get(m, s_samples), *lo_v = get(m, s_min), *hi_v = get(m, s_max);
    if (samples == Py_None)
        samples = NULL;
    if (samples != NULL && !PyList_CheckExact(samples))
        return GIVE_UP;
    Py_ssize_t n = samples != NULL ? PyList_GET_SIZE(samples) : 0;
    PyObject *ts = untracked(PyTuple_New(n)), *vs = untracked(PyTuple_New(n)), *lo = NULL, *hi = NULL;
    PyObject *result = GIVE_UP;
    if (ts == NULL || vs == NULL)
        goto fail;
    long long last = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyList_GET_ITEM(samples, i);
        if (!PyDict_CheckExact(s))
            goto done;
        PyObject *date = get(s, s_date), *value = get(s, s_value);
        if (date == NULL || value == NULL)
            goto done;
        PyObject *t = timestamp(date, times, parse);
        if (t == NULL || t == GIVE_UP)
            goto done;
        PyTuple_SET_ITEM(ts, i, t);
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(t, &overflow);
        if (overflow || (i > 0 && x <= last))
            goto done;  /* out of order or repeated: Metric.of sorts and joins them */
        last = x;
        PyObject *v = number(value);
        if (v == GIVE_UP)
            goto done;
        if (v == NULL)
            goto fail;
        PyTuple_SET_ITEM(vs, i, v);
    }
    if (absent(lo_v))
        lo = Py_NewRef(n ? extreme(vs, 0) : f_inf);
    else if ((lo = number(lo_v)) == GIVE_UP)
        goto done;
    if (absent(hi_v))
        hi = Py_NewRef(n ? extreme(vs, 1) : f_neg_inf);
    else if ((hi = number(hi_v)) == GIVE_UP)
        goto done;
    if (lo == NULL || hi == NULL)
        goto fail;
    PyObject *o = alloc(T.metric);
    if (o == NULL)
        goto fail;
    FIELD(o, T.m_times) = ts, FIELD(o, T.m_values) = vs, FIELD(o, T.m_min) = lo, FIELD(o, T.m_max) = hi;
    return o;
done:
    if (PyErr_Occurred())
        goto fail;
    result = GIVE_UP;
    goto out;
fail:
    result = NULL;
out:
    Py_XDECREF(ts), Py_XDECREF(vs);
    if (lo != GIVE_UP)
        Py_XDECREF(lo);
    if (hi != GIVE_UP)
        Py_XDECREF(hi);
    return result;
}

static PyObject *
metrics(PyObject *v, PyObject *times, PyObject *parse)
{
    if (absent(v) || !PyObject_IsTrue(v))
        return Py_NewRef(T.empty_metrics);
    if (!PyDict_CheckExact(v))
        return GIVE_UP;
    PyObject *out = untracked(PyDict_New());
    if (out == NULL)
        return NULL;
    PyObject *k, *m;
    Py_ssize_t pos = 0;
    while (PyDict_Next(v, &pos, &k, &m)) {
        PyObject *got = PyUnicode_CheckExact(k) ? metric(m, times, parse) : GIVE_UP;
        if (got == NULL || got == GIVE_UP) {
            Py_DECREF(out);
            return got;
        }
        int rc = PyDict_SetItem(out, k, got);
        Py_DECREF(got);
        if (rc < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return wrap(T.metrics, T.metrics_entries, out);
}

/* 1 if d[key] is there and true (Python's `if d.get(key)`), 0 if not, -1 on error. */
static int
truthy(PyObject *d, PyObject *key)
{
    PyObject *v = get(d, key);
    return v == NULL ? 0 : PyObject_IsTrue(v);
}

static PyObject *
decode_node(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "decode_node(node_id, value, times, parse_time)");
        return NULL;
    }
    if (!check_bound(&T, "scopecore.codec._cdecode"))
        return NULL;
    PyObject *nid = args[0], *d = args[1], *times = args[2], *parse = args[3];
    if (!PyUnicode_CheckExact(nid) || !PyDict_CheckExact(d) || !PyDict_CheckExact(times))
        Py_RETURN_NONE;
    PyObject *topology = get(d, s_topology);
    if (absent(topology))
        topology = s_empty;
    else if (!PyUnicode_CheckExact(topology))
        Py_RETURN_NONE;
    /* Scope's legacy fields, children and edges: Python's. */
    PyObject *const rare[] = {s_counters, s_latest_controls, s_children, s_edges};
    for (size_t i = 0; i < sizeof rare / sizeof rare[0]; i++) {
        int t = truthy(d, rare[i]);
        if (t < 0)
            return NULL;
        if (t)
            Py_RETURN_NONE;
    }
    PyObject *parts[4] = {NULL, NULL, NULL, NULL}, *adjacency = NULL, *node;
    parts[0] = latest(get(d, s_latest), times, parse);
    if (parts[0] != NULL && parts[0] != GIVE_UP)
        parts[1] = sets(get(d, s_sets));
    if (parts[1] != NULL && parts[1] != GIVE_UP)
        parts[2] = sets(get(d, s_parents));
    if (parts[2] != NULL && parts[2] != GIVE_UP)
        parts[3] = metrics(get(d, s_metrics), times, parse);
    if (parts[3] != NULL && parts[3] != GIVE_UP) {
        PyObject *adj = get(d, s_adjacency);
        adjacency = absent(adj) ? untracked(PyFrozenSet_New(NULL)) : strings(adj);
    }
    if (adjacency == NULL || adjacency == GIVE_UP) {
        for (int i = 0; i < 4; i++)
            if (parts[i] != GIVE_UP)
                Py_XDECREF(parts[i]);
        if (PyErr_Occurred())
            return NULL;
        Py_RETURN_NONE;
    }
    PyObject *children = PyDict_New();
    if (children == NULL || (node = alloc(T.node)) == NULL) {
        Py_XDECREF(children);
        for (int i = 0; i < 4; i++)
            Py_DECREF(parts[i]);
        Py_DECREF(adjacency);
        return NULL;
    }
    FIELD(node, T.n_id) = Py_NewRef(nid);
    FIELD(node, T.n_topology) = Py_NewRef(topology);
    FIELD(node, T.n_latest) = parts[0];
    FIELD(node, T.n_sets) = parts[1];
    FIELD(node, T.n_parents) = parts[2];
    FIELD(node, T.n_adjacency) = adjacency;
    FIELD(node, T.n_metrics) = parts[3];
    FIELD(node, T.n_children) = untracked(children);
    FIELD(node, T.n_edges) = Py_NewRef(T.empty_edges);
    return node;
}

static PyObject *
bind(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "bind() takes the report types and their empty values");
        return NULL;
    }
    ReportTypes t;
    if (report_types_bind(&t, args, nargs) < 0)
        return NULL;
    struct {
        PyObject **s;
        const char *text;
    } names[] = {
        {&s_topology, "topology"}, {&s_latest, "latest"}, {&s_counters, "counters"},
        {&s_latest_controls, "latestControls"}, {&s_sets, "sets"}, {&s_parents, "parents"},
        {&s_adjacency, "adjacency"}, {&s_metrics, "metrics"}, {&s_children, "children"}, {&s_edges, "edges"},
        {&s_value, "value"}, {&s_timestamp, "timestamp"}, {&s_samples, "samples"}, {&s_date, "date"},
        {&s_min, "min"}, {&s_max, "max"}, {&s_empty, ""},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (*names[i].s == NULL && (*names[i].s = PyUnicode_InternFromString(names[i].text)) == NULL)
            return NULL;
    if ((f_inf == NULL && (f_inf = PyFloat_FromDouble(Py_HUGE_VAL)) == NULL)
        || (f_neg_inf == NULL && (f_neg_inf = PyFloat_FromDouble(-Py_HUGE_VAL)) == NULL))
        return NULL;
    T = t;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(Node, LatestMap, Sets, Metrics, Metric, empty_latest, empty_sets, empty_metrics, empty_edges): the "
     "report types; call once, before decoding."},
    {"decode_node", (PyCFunction)(void (*)(void))decode_node, METH_FASTCALL,
     "decode_node(node_id, value, times, parse_time): the Node of a node's parsed JSON/msgpack value, or None "
     "where the Python decoder must decode it; times maps timestamp strings to ns, parse_time(str) adds one."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scopecore.codec._cdecode", "The usual report node decoded in C (cext/cdecode.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__cdecode(void)
{
    return PyModule_Create(&module);
}
