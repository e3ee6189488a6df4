/* The report value types as C sees them (shared by cmerge.c and cdecode.c): slotted dataclasses whose fields
 * are read and written at the slots' offsets, taken from their member descriptors by report_types_bind().
 * Values made here skip __init__ (every field is set by the maker) and the cycle collector (see untracked). */
#ifndef SCOPE_REPORT_TYPES_H
#define SCOPE_REPORT_TYPES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyTypeObject *node, *latest, *sets, *metrics, *metric;
    Py_ssize_t n_id, n_topology, n_latest, n_sets, n_parents, n_adjacency, n_metrics, n_children, n_edges;
    Py_ssize_t latest_entries, sets_entries, metrics_entries;
    Py_ssize_t m_times, m_values, m_min, m_max;
    PyObject *empty_latest, *empty_sets, *empty_metrics, *empty_edges;
    int bound;
} ReportTypes;

#define FIELD(o, off) (*(PyObject **)((char *)(o) + (off)))

/* Containers made here are left to reference counting, out of the cycle collector's lists: report values
 * are immutable, so none can come to refer to itself, and a merged window makes a million of them, which the
 * collector otherwise walks over and over (a fifth of the merge's time). CPython does the same for tuples and
 * dicts that hold only atomic values. */
static inline PyObject *
untracked(PyObject *o)
{
    if (o != NULL && PyObject_GC_IsTracked(o))
        PyObject_GC_UnTrack(o);
    return o;
}

/* A new, empty instance of a slotted type (no __init__: the caller sets every field). */
static inline PyObject *
alloc(PyTypeObject *t)
{
    return untracked(t->tp_alloc(t, 0));
}

/* A map-shaped value (LatestMap, Sets, Metrics) wrapping `entries` (a new reference, stolen). */
static inline PyObject *
wrap(PyTypeObject *t, Py_ssize_t off, PyObject *entries)
{
    if (entries == NULL)
        return NULL;
    PyObject *o = alloc(t);
    if (o == NULL) {
        Py_DECREF(entries);
        return NULL;
    }
    FIELD(o, off) = entries;
    return o;
}

static int
slot_offset(PyTypeObject *t, const char *name, Py_ssize_t *out)
{
    PyObject *d = PyObject_GetAttrString((PyObject *)t, name);
    if (d == NULL)
        return -1;
    if (!Py_IS_TYPE(d, &PyMemberDescr_Type) || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not an object slot", t->tp_name, name);
        Py_DECREF(d);
        return -1;
    }
    *out = ((PyMemberDescrObject *)d)->d_member->offset;
    Py_DECREF(d);
    return 0;
}

/* From (Node, LatestMap, Sets, Metrics, Metric, empty_latest, empty_sets, empty_metrics, empty_edges): the
 * first 9 of args. 0 on success, -1 with an exception set. */
static int
report_types_bind(ReportTypes *out, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 9) {
        PyErr_SetString(PyExc_TypeError, "bind: Node, LatestMap, Sets, Metrics, Metric and four empty values");
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        if (!PyType_Check(args[i])) {
            PyErr_Format(PyExc_TypeError, "bind: argument %d is not a type", i + 1);
            return -1;
        }
    }
    ReportTypes s = {0};
    s.node = (PyTypeObject *)args[0], s.latest = (PyTypeObject *)args[1], s.sets = (PyTypeObject *)args[2];
    s.metrics = (PyTypeObject *)args[3], s.metric = (PyTypeObject *)args[4];
    if (slot_offset(s.node, "id", &s.n_id) < 0 || slot_offset(s.node, "topology", &s.n_topology) < 0
        || slot_offset(s.node, "latest", &s.n_latest) < 0 || slot_offset(s.node, "sets", &s.n_sets) < 0
        || slot_offset(s.node, "parents", &s.n_parents) < 0
        || slot_offset(s.node, "adjacency", &s.n_adjacency) < 0
        || slot_offset(s.node, "metrics", &s.n_metrics) < 0 || slot_offset(s.node, "children", &s.n_children) < 0
        || slot_offset(s.node, "edges", &s.n_edges) < 0
        || slot_offset(s.latest, "entries", &s.latest_entries) < 0
        || slot_offset(s.sets, "entries", &s.sets_entries) < 0
        || slot_offset(s.metrics, "entries", &s.metrics_entries) < 0
        || slot_offset(s.metric, "times", &s.m_times) < 0 || slot_offset(s.metric, "values", &s.m_values) < 0
        || slot_offset(s.metric, "min", &s.m_min) < 0 || slot_offset(s.metric, "max", &s.m_max) < 0)
        return -1;
    /* Held for the life of the process, as the classes themselves are. */
    for (int i = 0; i < 5; i++)
        Py_INCREF(args[i]);
    s.empty_latest = Py_NewRef(args[5]), s.empty_sets = Py_NewRef(args[6]);
    s.empty_metrics = Py_NewRef(args[7]), s.empty_edges = Py_NewRef(args[8]);
    s.bound = 1;
    *out = s;
    return 0;
}

static inline int
check_bound(const ReportTypes *t, const char *module)
{
    if (!t->bound) {
        PyErr_Format(PyExc_RuntimeError, "%s: bind() was not called", module);
        return 0;
    }
    return 1;
}

#endif
