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

/* The row: a copy of the prototype with key set to value (a new reference, stolen). */
static PyObject *
row_with(PyObject *proto, PyObject *key, PyObject *value)
{
    PyObject *row = PyDict_Copy(proto);
    if (row == NULL || value == NULL || PyDict_SetItem(row, key, value) < 0) {
        Py_XDECREF(row);
        Py_XDECREF(value);
        return NULL;
    }
    Py_DECREF(value);
    return row;
}

/* md_rows(latest_entries, spec): a tuple of a row per (key, prototype) of spec whose key the latest map holds,
 * the prototype with "value" set to the entry's value: Templates.metadata_rows for latest-only templates. */
static PyObject *
md_rows(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "md_rows(latest_entries: dict, spec: tuple)");
        return NULL;
    }
    PyObject *latest = args[0], *spec = args[1];
    Py_ssize_t n = PyTuple_GET_SIZE(spec), got = 0;
    PyObject *rows = PyTuple_New(n);
    if (rows == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key, *proto;
        if (spec_item(spec, i, &key, &proto) < 0)
            goto fail;
        PyObject *e = PyDict_GetItemWithError(latest, key);
        if (e == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        PyObject *row = row_with(proto, s_value, PySequence_GetItem(e, 1));
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

/* A bound as summaries show it: the float itself if finite, else 0.0. 0 if it is not a float. */
static int
bound(PyObject *v, PyObject **out)
{
    if (v == NULL || !PyFloat_CheckExact(v))
        return 0;
    *out = isfinite(PyFloat_AS_DOUBLE(v)) ? v : f_zero;
    return 1;
}

/* metric_rows(metrics_entries, spec): a tuple of a row per (name, prototype) of spec whose metric the node has:
 * the prototype with the last value truncated to 2 decimals (Scope's toFixed), and min and max shown if finite.
 * None if a metric has a value or bound that is not a float: the caller makes those rows in Python. */
static PyObject *
metric_rows(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_CheckExact(args[0]) || !PyTuple_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "metric_rows(metrics_entries: dict, spec: tuple)");
        return NULL;
    }
    if (!check_bound(&T, "scopecore.render._csummary"))
        return NULL;
    PyObject *metrics = args[0], *spec = args[1];
    Py_ssize_t n = PyTuple_GET_SIZE(spec), got = 0;
    PyObject *rows = PyTuple_New(n);
    if (rows == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key, *proto;
        if (spec_item(spec, i, &key, &proto) < 0)
            goto fail;
        PyObject *m = PyDict_GetItemWithError(metrics, key);
        if (m == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        PyObject *values = Py_TYPE(m) == T.metric ? FIELD(m, T.m_values) : NULL, *lo, *hi, *last = NULL;
        if (values == NULL || !PyTuple_CheckExact(values) || !bound(FIELD(m, T.m_min), &lo)
            || !bound(FIELD(m, T.m_max), &hi))
            goto give_up;
        if (PyTuple_GET_SIZE(values)) {
            PyObject *v = PyTuple_GET_ITEM(values, PyTuple_GET_SIZE(values) - 1);
            if (!PyFloat_CheckExact(v))
                goto give_up;
            double x = PyFloat_AS_DOUBLE(v), shown = 0.0;
            if (-1e300 < x && x < 1e300) {
                shown = trunc(x * 100.0);
                shown = (shown == 0.0 ? 0.0 : shown) / 100.0;  /* Python's int() has no negative zero */
            }
            if ((last = PyFloat_FromDouble(shown)) == NULL)
                goto fail;
        }
        PyObject *row = PyDict_Copy(proto);
        if (row == NULL || (last != NULL && PyDict_SetItem(row, s_value, last) < 0)
            || PyDict_SetItem(row, s_min, lo) < 0 || PyDict_SetItem(row, s_max, hi) < 0) {
            Py_XDECREF(row);
            Py_XDECREF(last);
            goto fail;
        }
        Py_XDECREF(last);
        PyTuple_SET_ITEM(rows, got++, row);
    }
    if (got < n && _PyTuple_Resize(&rows, got) < 0)
        return NULL;
    return rows;
give_up:
    Py_DECREF(rows);
    Py_RETURN_NONE;
fail:
    Py_DECREF(rows);
    return NULL;
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
