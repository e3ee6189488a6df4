/* scopecore.report._cmerge: the C twin of Node.merge and of the node-map joins built on it.
 *
 * Merging a 15 s window of a 100-host fleet joins about a million nodes; in Python each join costs 0.4-2 us,
 * in Go (Scope) about 0.15 us. This module does the common shapes of a join in C and hands every other shape
 * to the Python reference (`node._merge_py`), so the two cannot disagree on anything but speed:
 *   - a node joined with a bare stub of itself (ID and adjacency only);
 *   - latest maps (per key, the later (ts, value) entry), sets and parents (per-key frozenset union),
 *     adjacency (frozenset union), metrics (per name: min/max, and samples concatenated when one side's
 *     samples all come before the other's, the usual case of consecutive reports, or one side's kept when the
 *     other's are a run of them, the case of a report merged again).
 * Rare shapes (different IDs or topologies, children, overlapping metric samples, non-int timestamps) go to
 * Python, and edges to `Edges.merge`. Results return an input unchanged when the other side adds nothing, as
 * the Python code does. tests/laws/test_native_merge.py holds both to equal results under hypothesis.
 *
 * The report types are handled as report_types.h says. This is CPython's C API rather than cffi: cffi cannot
 * hold Python objects.
 */
#include "report_types.h"

static ReportTypes S;
static PyObject *py_merge;   /* the reference Node join, for the shapes not done here */
static PyObject *str_merge;  /* "merge" */

/* ---- joins of values (each returns a new reference; an input itself when the other adds nothing) ---- */

typedef PyObject *(*join_fn)(PyObject *a, PyObject *b);

/* _maps.merge_maps: per-key join of two dicts, iterating the smaller; returns a or b itself if unchanged. */
static PyObject *
merge_dicts(PyObject *a, PyObject *b, join_fn join)
{
    if (PyDict_GET_SIZE(b) == 0 || a == b)
        return Py_NewRef(a);
    if (PyDict_GET_SIZE(a) == 0)
        return Py_NewRef(b);
    if (PyDict_GET_SIZE(a) < PyDict_GET_SIZE(b)) {
        PyObject *t = a;
        a = b;
        b = t;
    }
    PyObject *out = NULL, *k, *vb;
    Py_ssize_t pos = 0;
    while (PyDict_Next(b, &pos, &k, &vb)) {
        PyObject *va = PyDict_GetItemWithError(a, k);
        PyObject *v;
        if (va == NULL) {
            if (PyErr_Occurred())
                goto fail;
            v = Py_NewRef(vb);
        } else {
            v = join(va, vb);
            if (v == NULL)
                goto fail;
            if (v == va) {
                Py_DECREF(v);
                continue;
            }
        }
        if (out == NULL && (out = untracked(PyDict_Copy(a))) == NULL) {
            Py_DECREF(v);
            goto fail;
        }
        int rc = PyDict_SetItem(out, k, v);
        Py_DECREF(v);
        if (rc < 0)
            goto fail;
    }
    return out != NULL ? out : Py_NewRef(a);
fail:
    Py_XDECREF(out);
    return NULL;
}

/* An exact int as a long long: 1 if it fits (timestamps in ns do), 0 if not. */
static inline int
as_ll(PyObject *o, long long *out)
{
#if PY_VERSION_HEX < 0x030C0000 && PyLong_SHIFT == 30
    /* CPython 3.11's layout (cpython/longintrepr.h: the sign and digit count in ob_size), read inline: this is
     * what PyLong_AsLongLongAndOverflow does, without the call and the generality that cost a tenth of a merge. */
    Py_ssize_t n = Py_SIZE(o);
    const digit *d = ((PyLongObject *)o)->ob_digit;
    unsigned long long v;
    switch (n < 0 ? -n : n) {
    case 0:
        v = 0;
        break;
    case 1:
        v = d[0];
        break;
    case 2:
        v = d[0] | (unsigned long long)d[1] << 30;
        break;
    case 3:
        if (d[2] >= 4)  /* 2^62 or more: left to the general path */
            return 0;
        v = d[0] | (unsigned long long)d[1] << 30 | (unsigned long long)d[2] << 60;
        break;
    default:
        return 0;
    }
    *out = n < 0 ? -(long long)v : (long long)v;
    return 1;
#else
    int overflow;
    *out = PyLong_AsLongLongAndOverflow(o, &overflow);
    return !overflow;
#endif
}

/* Entries of a latest map are (int ns, str value) tuples ordered by time, then value. 1 if a > b, 0 if not,
 * -1 on error. Other shapes (the decoder never makes them) are compared as Python compares tuples. */
static int
entry_gt(PyObject *a, PyObject *b)
{
    if (PyTuple_CheckExact(a) && PyTuple_CheckExact(b) && PyTuple_GET_SIZE(a) == 2 && PyTuple_GET_SIZE(b) == 2) {
        PyObject *ta = PyTuple_GET_ITEM(a, 0), *tb = PyTuple_GET_ITEM(b, 0);
        long long x, y;
        if (PyLong_CheckExact(ta) && PyLong_CheckExact(tb) && as_ll(ta, &x) && as_ll(tb, &y)) {
            if (x != y)
                return x > y;
            PyObject *va = PyTuple_GET_ITEM(a, 1), *vb = PyTuple_GET_ITEM(b, 1);
            if (va == vb)
                return 0;
            return PyObject_RichCompareBool(va, vb, Py_GT);
        }
    }
    return PyObject_RichCompareBool(a, b, Py_GT);
}

/* LatestMap.merge. */
static PyObject *
latest_join(PyObject *x, PyObject *y)
{
    PyObject *a = FIELD(x, S.latest_entries), *b = FIELD(y, S.latest_entries);
    if (!PyDict_CheckExact(a) || !PyDict_CheckExact(b))
        return PyObject_CallMethodOneArg(x, str_merge, y);
    if (PyDict_GET_SIZE(b) == 0 || a == b)
        return Py_NewRef(x);
    if (PyDict_GET_SIZE(a) == 0)
        return Py_NewRef(y);
    PyObject *big = x, *small = y;
    if (PyDict_GET_SIZE(a) < PyDict_GET_SIZE(b)) {
        big = y;
        small = x;
    }
    PyObject *be = FIELD(big, S.latest_entries), *se = FIELD(small, S.latest_entries);
    /* First pass, allocation-free: none of small's entries win -> big; all win and cover big -> small. */
    Py_ssize_t newer = 0, added = 0, pos = 0;
    PyObject *k, *e;
    while (PyDict_Next(se, &pos, &k, &e)) {
        PyObject *cur = PyDict_GetItemWithError(be, k);
        if (cur == NULL) {
            if (PyErr_Occurred())
                return NULL;
            added++;
            continue;
        }
        int gt = entry_gt(e, cur);
        if (gt < 0)
            return NULL;
        newer += gt;
    }
    if (newer + added == 0)
        return Py_NewRef(big);
    if (newer == PyDict_GET_SIZE(be) && newer == PyDict_GET_SIZE(se))
        return Py_NewRef(small);
    PyObject *out = untracked(PyDict_Copy(be));
    if (out == NULL)
        return NULL;
    pos = 0;
    while (PyDict_Next(se, &pos, &k, &e)) {
        PyObject *cur = PyDict_GetItemWithError(be, k);
        int win = 1;
        if (cur == NULL) {
            if (PyErr_Occurred())
                goto fail;
        } else if ((win = entry_gt(e, cur)) < 0) {
            goto fail;
        }
        if (win && PyDict_SetItem(out, k, e) < 0)
            goto fail;
    }
    return wrap(S.latest, S.latest_entries, out);
fail:
    Py_DECREF(out);
    return NULL;
}

/* sets._union of two frozensets. */
static PyObject *
union_join(PyObject *a, PyObject *b)
{
    int le = PyObject_RichCompareBool(b, a, Py_LE);
    if (le < 0)
        return NULL;
    if (le)
        return Py_NewRef(a);
    if ((le = PyObject_RichCompareBool(a, b, Py_LE)) < 0)
        return NULL;
    if (le)
        return Py_NewRef(b);
    return untracked(PyNumber_Or(a, b));
}

/* Sets.merge and Metrics.merge: a map-shaped value of type t, its entries joined per key with join; x or y
 * itself when the other adds nothing. */
static PyObject *
map_join(PyObject *x, PyObject *y, PyTypeObject *t, Py_ssize_t off, join_fn join)
{
    PyObject *a = FIELD(x, off), *b = FIELD(y, off);
    if (!PyDict_CheckExact(a) || !PyDict_CheckExact(b))
        return PyObject_CallMethodOneArg(x, str_merge, y);
    PyObject *out = merge_dicts(a, b, join);
    if (out == NULL)
        return NULL;
    if (out == a || out == b) {
        Py_DECREF(out);
        return Py_NewRef(out == a ? x : y);
    }
    return wrap(t, off, out);
}

/* Sets.merge (also a node's parents). */
static PyObject *
sets_join(PyObject *x, PyObject *y)
{
    return map_join(x, y, S.sets, S.sets_entries, union_join);
}

static int
float_field(PyObject *o, Py_ssize_t off, double *out)
{
    PyObject *f = FIELD(o, off);
    if (f == NULL || !PyFloat_CheckExact(f))
        return 0;
    *out = PyFloat_AS_DOUBLE(f);
    return 1;
}

/* Comparisons of sample times (ints) and values (floats), without PyObject_RichCompare's dispatch where both
 * are the exact types; the same results as Python's operators otherwise. 1 true, 0 false, -1 error. */
static int
lt(PyObject *a, PyObject *b)
{
    long long x, y;
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && as_ll(a, &x) && as_ll(b, &y))
        return x < y;
    return PyObject_RichCompareBool(a, b, Py_LT);
}

static int
eq(PyObject *a, PyObject *b)
{
    if (a == b)
        return 1;  /* identity first, as Python's containers compare (a NaN equals itself) */
    if (PyFloat_CheckExact(a) && PyFloat_CheckExact(b))
        return PyFloat_AS_DOUBLE(a) == PyFloat_AS_DOUBLE(b);
    long long x, y;
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && as_ll(a, &x) && as_ll(b, &y))
        return x == y;
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* -1 error, 1 if the tuple's last item < the other's first, 0 if not. Both non-empty. */
static int
before(PyObject *x, PyObject *y)
{
    return lt(PyTuple_GET_ITEM(x, PyTuple_GET_SIZE(x) - 1), PyTuple_GET_ITEM(y, 0));
}

/* 1 if y's samples are a contiguous run of x's (the same report merged again), 0 if not, -1 on error.
 * Both non-empty. */
static int
holds_run(PyObject *xt, PyObject *xv, PyObject *yt, PyObject *yv)
{
    Py_ssize_t n = PyTuple_GET_SIZE(yt), lo = 0, hi = PyTuple_GET_SIZE(xt);
    if (n > hi || PyTuple_GET_SIZE(xv) != hi || PyTuple_GET_SIZE(yv) != n)
        return 0;
    PyObject *first = PyTuple_GET_ITEM(yt, 0);
    while (lo < hi) {  /* bisect_left */
        Py_ssize_t mid = (lo + hi) / 2;
        int below = lt(PyTuple_GET_ITEM(xt, mid), first);
        if (below < 0)
            return -1;
        if (below)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo + n > PyTuple_GET_SIZE(xt))
        return 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        int same = eq(PyTuple_GET_ITEM(xt, lo + j), PyTuple_GET_ITEM(yt, j));
        if (same > 0)
            same = eq(PyTuple_GET_ITEM(xv, lo + j), PyTuple_GET_ITEM(yv, j));
        if (same <= 0)
            return same;
    }
    return 1;
}

/* Metric.merge: min of mins, max of maxes, samples concatenated when one side's all come first. */
static PyObject *
metric_join(PyObject *a, PyObject *b)
{
    if (a == b)
        return Py_NewRef(a);
    double amin, amax, bmin, bmax;
    PyObject *at = FIELD(a, S.m_times), *av = FIELD(a, S.m_values);
    PyObject *bt = FIELD(b, S.m_times), *bv = FIELD(b, S.m_values);
    if (Py_TYPE(a) != S.metric || Py_TYPE(b) != S.metric || !float_field(a, S.m_min, &amin)
        || !float_field(a, S.m_max, &amax) || !float_field(b, S.m_min, &bmin) || !float_field(b, S.m_max, &bmax)
        || at == NULL || av == NULL || bt == NULL || bv == NULL || !PyTuple_CheckExact(at)
        || !PyTuple_CheckExact(bt) || !PyTuple_CheckExact(av) || !PyTuple_CheckExact(bv))
        return PyObject_CallMethodOneArg(a, str_merge, b);
    /* NaN bounds: Python's `<=` picks differently than C's; leave them to Python. */
    if (amin != amin || amax != amax || bmin != bmin || bmax != bmax)
        return PyObject_CallMethodOneArg(a, str_merge, b);
    PyObject *lo = FIELD(amin <= bmin ? a : b, S.m_min);
    PyObject *hi = FIELD(amax >= bmax ? a : b, S.m_max);
    PyObject *times, *values;  /* new references */
    int r;
    if (PyTuple_GET_SIZE(bt) == 0) {
        times = Py_NewRef(at), values = Py_NewRef(av);
    } else if (PyTuple_GET_SIZE(at) == 0) {
        times = Py_NewRef(bt), values = Py_NewRef(bv);
    } else {
        int same = PyObject_RichCompareBool(at, bt, Py_EQ);
        if (same < 0)
            return NULL;
        if (same && (same = PyObject_RichCompareBool(av, bv, Py_EQ)) < 0)
            return NULL;
        if (same) {
            times = Py_NewRef(at), values = Py_NewRef(av);
        } else if ((r = before(at, bt)) != 0) {
            if (r < 0)
                return NULL;
            times = untracked(PySequence_Concat(at, bt)), values = untracked(PySequence_Concat(av, bv));
        } else if ((r = before(bt, at)) != 0) {
            if (r < 0)
                return NULL;
            times = untracked(PySequence_Concat(bt, at)), values = untracked(PySequence_Concat(bv, av));
        } else if ((r = holds_run(at, av, bt, bv)) != 0) {
            if (r < 0)
                return NULL;
            times = Py_NewRef(at), values = Py_NewRef(av);
        } else if ((r = holds_run(bt, bv, at, av)) != 0) {
            if (r < 0)
                return NULL;
            times = Py_NewRef(bt), values = Py_NewRef(bv);
        } else {
            return PyObject_CallMethodOneArg(a, str_merge, b);  /* interleaved samples */
        }
        if (times == NULL || values == NULL) {
            Py_XDECREF(times);
            Py_XDECREF(values);
            return NULL;
        }
    }
    /* A side itself if the join equals it: its samples, and its bounds by value (Python's `lo == self.min`). */
    PyObject *keep = NULL;
    if (times == at && amin <= bmin && amax >= bmax)
        keep = a;
    else if (times == bt && bmin <= amin && bmax >= amax)
        keep = b;
    if (keep != NULL) {
        Py_DECREF(times);
        Py_DECREF(values);
        return Py_NewRef(keep);
    }
    PyObject *m = alloc(S.metric);
    if (m == NULL) {
        Py_DECREF(times);
        Py_DECREF(values);
        return NULL;
    }
    FIELD(m, S.m_times) = times;
    FIELD(m, S.m_values) = values;
    FIELD(m, S.m_min) = Py_NewRef(lo);
    FIELD(m, S.m_max) = Py_NewRef(hi);
    return m;
}

/* Metrics.merge. */
static PyObject *
metrics_join(PyObject *x, PyObject *y)
{
    return map_join(x, y, S.metrics, S.metrics_entries, metric_join);
}

/* ---- nodes ---- */

static int
is_bare(PyObject *n)
{
    PyObject *children = FIELD(n, S.n_children);
    return FIELD(n, S.n_latest) == S.empty_latest && FIELD(n, S.n_sets) == S.empty_sets
           && FIELD(n, S.n_parents) == S.empty_sets && FIELD(n, S.n_metrics) == S.empty_metrics
           && FIELD(n, S.n_edges) == S.empty_edges && PyDict_CheckExact(children) && PyDict_GET_SIZE(children) == 0;
}

static int
all_set(PyObject *n)
{
    static const size_t n_fields = 9;
    Py_ssize_t offs[9] = {S.n_id, S.n_topology, S.n_latest, S.n_sets, S.n_parents, S.n_adjacency, S.n_metrics,
                          S.n_children, S.n_edges};
    for (size_t i = 0; i < n_fields; i++)
        if (FIELD(n, offs[i]) == NULL)
            return 0;
    return 1;
}

/* A copy of n with these fields (new references, stolen). */
static PyObject *
new_node(PyObject *n, PyObject *latest, PyObject *sets, PyObject *parents, PyObject *adj, PyObject *metrics,
         PyObject *edges)
{
    PyObject *o = alloc(S.node);
    if (o == NULL) {
        Py_DECREF(latest), Py_DECREF(sets), Py_DECREF(parents), Py_DECREF(adj), Py_DECREF(metrics);
        Py_DECREF(edges);
        return NULL;
    }
    FIELD(o, S.n_id) = Py_NewRef(FIELD(n, S.n_id));
    FIELD(o, S.n_topology) = Py_NewRef(FIELD(n, S.n_topology));
    FIELD(o, S.n_latest) = latest;
    FIELD(o, S.n_sets) = sets;
    FIELD(o, S.n_parents) = parents;
    FIELD(o, S.n_adjacency) = adj;
    FIELD(o, S.n_metrics) = metrics;
    FIELD(o, S.n_children) = Py_NewRef(FIELD(n, S.n_children));
    FIELD(o, S.n_edges) = edges;
    return o;
}

/* adjacency a | b; a itself if b adds nothing. */
static PyObject *
adjacency_join(PyObject *a, PyObject *b)
{
    int nonempty = a == b ? 0 : PyObject_IsTrue(b);
    if (nonempty < 0)
        return NULL;
    return nonempty ? union_join(a, b) : Py_NewRef(a);
}

/* With this adjacency joined in. */
static PyObject *
with_adjacency(PyObject *n, PyObject *more)
{
    PyObject *adj = adjacency_join(FIELD(n, S.n_adjacency), more);
    if (adj == NULL)
        return NULL;
    if (adj == FIELD(n, S.n_adjacency)) {
        Py_DECREF(adj);
        return Py_NewRef(n);
    }
    return new_node(n, Py_NewRef(FIELD(n, S.n_latest)), Py_NewRef(FIELD(n, S.n_sets)),
                    Py_NewRef(FIELD(n, S.n_parents)), adj, Py_NewRef(FIELD(n, S.n_metrics)),
                    Py_NewRef(FIELD(n, S.n_edges)));
}

static PyObject *
node_join(PyObject *a, PyObject *b)
{
    if (a == b)
        return Py_NewRef(a);
    if (Py_TYPE(a) != S.node || Py_TYPE(b) != S.node || !all_set(a) || !all_set(b))
        goto python;
    PyObject *ac = FIELD(a, S.n_children), *bc = FIELD(b, S.n_children);
    if (!PyDict_CheckExact(ac) || !PyDict_CheckExact(bc) || PyDict_GET_SIZE(bc) != 0)
        goto python;
    int eq = PyObject_RichCompareBool(FIELD(a, S.n_id), FIELD(b, S.n_id), Py_EQ);
    if (eq > 0)
        eq = PyObject_RichCompareBool(FIELD(a, S.n_topology), FIELD(b, S.n_topology), Py_EQ);
    if (eq < 0)
        return NULL;
    if (!eq)
        goto python;
    if (is_bare(b))
        return with_adjacency(a, FIELD(b, S.n_adjacency));
    if (is_bare(a))
        return with_adjacency(b, FIELD(a, S.n_adjacency));
    if (PyDict_GET_SIZE(ac) != 0)
        goto python;  /* render-time nodes with children: Python merges those maps */

    PyObject *latest = NULL, *sets = NULL, *parents = NULL, *adj = NULL, *metrics = NULL, *edges = NULL;
    if ((latest = latest_join(FIELD(a, S.n_latest), FIELD(b, S.n_latest))) == NULL
        || (sets = sets_join(FIELD(a, S.n_sets), FIELD(b, S.n_sets))) == NULL
        || (parents = sets_join(FIELD(a, S.n_parents), FIELD(b, S.n_parents))) == NULL
        || (adj = adjacency_join(FIELD(a, S.n_adjacency), FIELD(b, S.n_adjacency))) == NULL
        || (metrics = metrics_join(FIELD(a, S.n_metrics), FIELD(b, S.n_metrics))) == NULL)
        goto fail;
    if (FIELD(b, S.n_edges) == S.empty_edges)
        edges = Py_NewRef(FIELD(a, S.n_edges));
    else if ((edges = PyObject_CallMethodOneArg(FIELD(a, S.n_edges), str_merge, FIELD(b, S.n_edges))) == NULL)
        goto fail;

    PyObject *keep = NULL;
    if (latest == FIELD(a, S.n_latest) && sets == FIELD(a, S.n_sets) && parents == FIELD(a, S.n_parents)
        && adj == FIELD(a, S.n_adjacency) && metrics == FIELD(a, S.n_metrics) && edges == FIELD(a, S.n_edges)) {
        keep = a;
    } else if (latest == FIELD(b, S.n_latest) && sets == FIELD(b, S.n_sets) && parents == FIELD(b, S.n_parents)
               && metrics == FIELD(b, S.n_metrics) && edges == FIELD(b, S.n_edges)
               && PyDict_GET_SIZE(ac) == 0) {
        int same = adj == FIELD(b, S.n_adjacency) ? 1 : PyObject_RichCompareBool(adj, FIELD(b, S.n_adjacency), Py_EQ);
        if (same < 0)
            goto fail;
        if (same)
            keep = b;
    }
    if (keep != NULL) {
        Py_DECREF(latest), Py_DECREF(sets), Py_DECREF(parents), Py_DECREF(adj), Py_DECREF(metrics);
        Py_DECREF(edges);
        return Py_NewRef(keep);
    }
    return new_node(a, latest, sets, parents, adj, metrics, edges);
fail:
    Py_XDECREF(latest), Py_XDECREF(sets), Py_XDECREF(parents), Py_XDECREF(adj), Py_XDECREF(metrics);
    Py_XDECREF(edges);
    return NULL;
python:
    return PyObject_CallFunctionObjArgs(py_merge, a, b, NULL);
}

/* ---- module functions ---- */

static int
two_args(const char *name, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s() takes 2 arguments (%zd given)", name, nargs);
        return 0;
    }
    return 1;
}

static PyObject *
node_merge(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (!two_args("node_merge", nargs) || !check_bound(&S, "scopecore.report._cmerge"))
        return NULL;
    return node_join(args[0], args[1]);
}

static PyObject *
node_maps_merge(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (!two_args("node_maps_merge", nargs) || !check_bound(&S, "scopecore.report._cmerge"))
        return NULL;
    if (!PyDict_CheckExact(args[0]) || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "node_maps_merge: two dicts expected");
        return NULL;
    }
    return merge_dicts(args[0], args[1], node_join);
}

/* Join of many node maps into a new dict (Topology.merge_all); the first is copied, the others folded in. */
static PyObject *
node_maps_merge_all(PyObject *Py_UNUSED(module), PyObject *maps)
{
    if (!check_bound(&S, "scopecore.report._cmerge"))
        return NULL;
    PyObject *seq = PySequence_Tuple(maps);  /* a tuple: nothing the joins call can resize it under us */
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    PyObject **items = &PyTuple_GET_ITEM(seq, 0);
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyDict_CheckExact(items[i])) {
            PyErr_SetString(PyExc_TypeError, "node_maps_merge_all: a sequence of dicts expected");
            goto fail;
        }
    }
    if ((out = n ? PyDict_Copy(items[0]) : PyDict_New()) == NULL)
        goto fail;
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(items[i], &pos, &k, &v)) {
            PyObject *cur = PyDict_GetItemWithError(out, k);
            PyObject *joined;
            if (cur == NULL) {
                if (PyErr_Occurred())
                    goto fail;
                joined = Py_NewRef(v);
            } else if ((joined = node_join(cur, v)) == NULL) {
                goto fail;
            } else if (joined == cur) {
                Py_DECREF(joined);
                continue;
            }
            int rc = PyDict_SetItem(out, k, joined);
            Py_DECREF(joined);
            if (rc < 0)
                goto fail;
        }
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

static PyObject *
bind(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "bind() takes the report types, their empty values and py_merge");
        return NULL;
    }
    ReportTypes t;
    if (report_types_bind(&t, args, 9) < 0)
        return NULL;
    if (str_merge == NULL && (str_merge = PyUnicode_InternFromString("merge")) == NULL)
        return NULL;
    Py_XSETREF(py_merge, Py_NewRef(args[9]));
    S = t;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(Node, LatestMap, Sets, Metrics, Metric, empty_latest, empty_sets, empty_metrics, empty_edges, "
     "py_merge): the report types and the Python reference join; call once, before any merge."},
    {"node_merge", (PyCFunction)(void (*)(void))node_merge, METH_FASTCALL, "node_merge(a, b): Node.merge."},
    {"node_maps_merge", (PyCFunction)(void (*)(void))node_maps_merge, METH_FASTCALL,
     "node_maps_merge(a, b): merge_maps of two {id: Node} dicts; a or b itself when the other adds nothing."},
    {"node_maps_merge_all", node_maps_merge_all, METH_O,
     "node_maps_merge_all(maps): a new dict, the join of a sequence of {id: Node} dicts."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scopecore.report._cmerge", "C twin of scopecore's node merge (cext/cmerge.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__cmerge(void)
{
    return PyModule_Create(&module);
}
