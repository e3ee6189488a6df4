/* scopecore.render._csummary: the metadata and metric rows of node summaries, in C.
 *
 * A summary of a process is a dict of about ten small dicts; building those rows is most of the Python time of
 * summarising a 20,000-node view. The generated summarizers (render/summary.py) call these two for the rows
 * when they are there; what these do not take (a metric with values other than floats) they return None for,
 * and the generated code builds those rows in Python, as before. tests/render/test_summary_codegen.py holds the
 * summaries to the reference `_summary`, and tests/render/test_native_rows.py these rows to Templates'.
 */
#include "report_types.h"

#include <math.h>

static ReportTypes T;
static PyObject *s_value, *s_min, *s_max, *f_zero;

/* (row prototype, key) pairs of a spec, checked: a tuple of (str, dict) tuples. */
static int
spec_item(PyObject *spec, Py_ssize_t i, PyObject **key, PyObject **proto)
{
    PyObject *item = PyTuple_GET_ITEM(spec, i);
    if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) != 2 || !PyDict_CheckExact(PyTuple_GET_ITEM(item, 1))) {
        PyErr_SetString(PyExc_TypeError, "rows: a spec is a tuple of (key, row prototype) pairs");
        return -1;
    }
    *key = PyTuple_GET_ITEM(item, 0), *proto = PyTuple_GET_ITEM(item, 1);
    return 0;
}

/* A row not made here: the caller makes the rows in Python. */
#define GIVE_UP ((PyObject *)1)

/* How one row is made from its prototype and the value the node has for its key: a new row, NULL on error,
 * or GIVE_UP. */
typedef PyObject *(*row_fn)(PyObject *proto, PyObject *value);

/* A tuple of a row per (key, prototype) of spec whose key the map holds, in spec order; None if a row is not
 * made here. */
static PyObject *
rows_of(PyObject *const *args, Py_ssize_t nargs, const char *usage, row_fn make)
{
    if (nargs != 2 || !PyDict_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    if (!check_bound(&T, "scopecore.render._csummary"))
        return NULL;
    PyObject *map = args[0], *spec = args[1];
    Py_ssize_t n = PyTuple_GET_SIZE(spec), got = 0;
    PyObject *rows = PyTuple_New(n);
    if (rows == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key, *proto;
        if (spec_item(spec, i, &key, &proto) < 0)
            goto fail;
        PyObject *v = PyDict_GetItemWithError(map, key);
        if (v == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        PyObject *row = make(proto, v);
        if (row == GIVE_UP) {
            Py_DECREF(rows);
            Py_RETURN_NONE;
        }
        if (row == NULL)
            goto fail;
        PyTuple_SET_ITEM(rows, got++, row);
    }
    if (got < n && _PyTuple_Resize(&rows, got) < 0)
        return NULL;
    return rows;
fail:
    Py_DECREF(rows);
    return NULL;
}

/* A metadata row: the prototype with "value" set to the latest entry's value. */
static PyObject *
md_row(PyObject *proto, PyObject *entry)
{
    PyObject *value = PySequence_GetItem(entry, 1);
    if (value == NULL)
        return NULL;
    PyObject *row = PyDict_Copy(proto);
    if (row == NULL || PyDict_SetItem(row, s_value, value) < 0)
        Py_CLEAR(row);
    Py_DECREF(value);
    return row;
}

/* md_rows(latest_entries, spec): Templates.metadata_rows for latest-only templates. */
static PyObject *
md_rows(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    return rows_of(args, nargs, "md_rows(latest_entries: dict, spec: tuple)", md_row);
}

/* A bound as summaries show it: the float itself if finite, else 0.0. 0 if it is not a float. */
static int
bound(PyObject *v, PyObject **out)
{
    if (v == NULL || !PyFloat_CheckExact(v))
        return 0;
    *out = isfinite(PyFloat_AS_DOUBLE(v)) ? v : f_zero;
    return 1;
}

/* A metric row: the prototype with the last value truncated to 2 decimals (Scope's toFixed), and min and max
 * shown if finite; GIVE_UP if the metric holds other numbers than floats. */
static PyObject *
metric_row(PyObject *proto, PyObject *m)
{
    PyObject *values = Py_TYPE(m) == T.metric ? FIELD(m, T.m_values) : NULL, *lo, *hi, *last = NULL;
    if (values == NULL || !PyTuple_CheckExact(values) || !bound(FIELD(m, T.m_min), &lo)
        || !bound(FIELD(m, T.m_max), &hi))
        return GIVE_UP;
    if (PyTuple_GET_SIZE(values)) {
        PyObject *v = PyTuple_GET_ITEM(values, PyTuple_GET_SIZE(values) - 1);
        if (!PyFloat_CheckExact(v))
            return GIVE_UP;
        double x = PyFloat_AS_DOUBLE(v), shown = 0.0;
        if (-1e300 < x && x < 1e300) {
            shown = trunc(x * 100.0);
            shown = (shown == 0.0 ? 0.0 : shown) / 100.0;  /* Python's int() has no negative zero */
        }
        if ((last = PyFloat_FromDouble(shown)) == NULL)
            return NULL;
    }
    PyObject *row = PyDict_Copy(proto);
    if (row == NULL || (last != NULL && PyDict_SetItem(row, s_value, last) < 0)
        || PyDict_SetItem(row, s_min, lo) < 0 || PyDict_SetItem(row, s_max, hi) < 0)
        Py_CLEAR(row);
    Py_XDECREF(last);
    return row;
}

/* metric_rows(metrics_entries, spec): the metric rows of a summary, or None to make them in Python. */
static PyObject *
metric_rows(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    return rows_of(args, nargs, "metric_rows(metrics_entries: dict, spec: tuple)", metric_row);
}

static PyObject *
bind(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    ReportTypes t;
    if (report_types_bind(&t, args, nargs) < 0)
        return NULL;
    if ((s_value == NULL && (s_value = PyUnicode_InternFromString("value")) == NULL)
        || (s_min == NULL && (s_min = PyUnicode_InternFromString("min")) == NULL)
        || (s_max == NULL && (s_max = PyUnicode_InternFromString("max")) == NULL)
        || (f_zero == NULL && (f_zero = PyFloat_FromDouble(0.0)) == NULL))
        return NULL;
    T = t;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(Node, LatestMap, Sets, Metrics, Metric, empty_latest, empty_sets, empty_metrics, empty_edges)."},
    {"md_rows", (PyCFunction)(void (*)(void))md_rows, METH_FASTCALL,
     "md_rows(latest_entries, spec): metadata rows of latest-only templates; spec: ((key, prototype), ...)."},
    {"metric_rows", (PyCFunction)(void (*)(void))metric_rows, METH_FASTCALL,
     "metric_rows(metrics_entries, spec): metric rows of a summary, or None to make them in Python."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scopecore.render._csummary", "Rows of node summaries in C (cext/csummary.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__csummary(void)
{
    return PyModule_Create(&module);
}
