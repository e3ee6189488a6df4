"""A fake Kubernetes API server serving the real object JSON of fixtures/k8s, for the official client.

It runs on 127.0.0.1 in a thread with its own asyncio loop, so sync code (the client in probe threads) and async
tests both reach it. The wire behaviour follows fixtures/k8s/API-FACTS.md: list envelopes without item kinds,
newline-delimited watch events, BOOKMARKs, ERROR/410 Expired for compacted resourceVersions, Status errors.

    with FakeApiServer(fixtures / "k8s", token="t0ken") as api:
        api.write_kubeconfig(tmp / "kubeconfig")   # then kubernetes.config.new_client_from_config(...)
        api.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"x": "y"}}})
        api.requests                               # every (method, path, query, content_type) received

Not modelled: controllers (scaling changes spec.replicas only, deleting a workload leaves its pods, a graceful pod
delete completes at once), finalizers, creation over HTTP (tests use add()), server-side apply (strategic merge
patch is applied as a JSON merge patch: lists are replaced), `resourceVersion` on lists (always the latest),
gt/lt label operators, per-group discovery resource lists, TLS (so no in-cluster config).
"""

import asyncio
import base64
import contextlib
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Self

from aiohttp import web

Obj = dict[str, Any]
FIXTURE_RV = 87290192  # every fixture list's metadata.resourceVersion: history starts right after it


class Resource(NamedTuple):
    """One served resource: its REST name, kind, group/version, scope and fixture file (if any)."""

    plural: str
    kind: str
    group_version: str
    namespaced: bool
    fixture: str | None

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def qualified(self) -> str:
        """The name in error messages: `pods`, `deployments.apps` (apimachinery GroupResource.String)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def typed(self, obj: Obj) -> Obj:
        """The object with kind/apiVersion first, as in watch events and single GETs."""
        return {"kind": self.kind, "apiVersion": self.group_version, **obj}


RESOURCES = (
    Resource("pods", "Pod", "v1", True, "pods.json"),
    Resource("services", "Service", "v1", True, "services.json"),
    Resource("endpoints", "Endpoints", "v1", True, "endpoints.json"),
    Resource("persistentvolumeclaims", "PersistentVolumeClaim", "v1", True, "persistentvolumeclaims.json"),
    Resource("namespaces", "Namespace", "v1", False, "namespaces.json"),
    Resource("nodes", "Node", "v1", False, "nodes.json"),
    Resource("persistentvolumes", "PersistentVolume", "v1", False, "persistentvolumes.json"),
    Resource("deployments", "Deployment", "apps/v1", True, "deployments.json"),
    Resource("replicasets", "ReplicaSet", "apps/v1", True, "replicasets.json"),
    Resource("daemonsets", "DaemonSet", "apps/v1", True, "daemonsets.json"),
    Resource("statefulsets", "StatefulSet", "apps/v1", True, "statefulsets.json"),
    Resource("jobs", "Job", "batch/v1", True, "jobs.json"),
    Resource("cronjobs", "CronJob", "batch/v1", True, "cronjobs.json"),
    Resource("endpointslices", "EndpointSlice", "discovery.k8s.io/v1", True, None),
    Resource("storageclasses", "StorageClass", "storage.k8s.io/v1", False, None),
)
SCALABLE = frozenset({"deployments", "replicasets", "statefulsets"})

# Field labels each kind supports besides metadata.name/namespace (pkg/registry/*/strategy.go ToSelectableFields).
FIELD_LABELS: Mapping[str, frozenset[str]] = {
    "pods": frozenset({"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                       "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}),
    "nodes": frozenset({"spec.unschedulable"}),
    "namespaces": frozenset({"status.phase"}),
    "replicasets": frozenset({"status.replicas"}),
    "jobs": frozenset({"status.successful"}),
    "services": frozenset({"spec.clusterIP", "spec.type"}),
}

# apiserver storage errors: the 410 of an expired continue token (staging/.../storage/etcd3/store.go).
INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list.")


class Request(NamedTuple):
    """One request the server received."""

    method: str
    path: str
    query: Mapping[str, str]
    content_type: str


class ApiError(Exception):
    """A failure answered with a metav1.Status body and the same HTTP code (API-FACTS §4)."""

    def __init__(self, code: int, reason: str, message: str, details: Obj | None = None,
                 meta: Obj | None = None) -> None:
        super().__init__(message)
        self.status = status_object(code, reason, message, details, meta)

    def response(self) -> web.Response:
        return _json_response(self.status, self.status["code"])


def status_object(code: int, reason: str, message: str, details: Obj | None = None,
                  meta: Obj | None = None) -> Obj:
    """A Status object in apimachinery's field order; `details` is left out when empty."""
    out: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": meta or {}, "status": "Failure",
                "message": message, "reason": reason}
    if details:
        out["details"] = details
    out["code"] = code
    return out


def not_found(res: Resource, name: str) -> ApiError:
    """errors.NewNotFound: `pods "x" not found`, details {name, group, kind: <resource>}."""
    details = {"name": name, "group": res.group, "kind": res.plural} if res.group else {"name": name,
                                                                                       "kind": res.plural}
    return ApiError(404, "NotFound", f'{res.qualified} "{name}" not found', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=_dumps(obj).encode(), status=status, content_type="application/json")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_rv(obj: Obj, rv: int) -> Obj:
    """A shallow copy with metadata.resourceVersion set: stored objects are never mutated in place."""
    return {**obj, "metadata": {**obj.get("metadata", {}), "resourceVersion": str(rv)}}


# -- selectors ------------------------------------------------------------------------------------------------

_LABEL_REQ = re.compile(
    r"\s*(?P<not>!)?\s*(?P<key>[A-Za-z0-9][-A-Za-z0-9_./]*)\s*"
    r"(?:(?P<op>==|=|!=|\s+in\b|\s+notin\b)\s*(?P<val>\([^)]*\)|[-A-Za-z0-9_.]*))?\s*(?:,|$)")


def parse_label_selector(text: str) -> Callable[[Mapping[str, str]], bool]:
    """`a=b,c!=d,e in (x,y),f notin (z),g,!h` -> a predicate over labels; 400 BadRequest when malformed.

    The gt/lt operators (`n>1`) are not supported."""
    reqs: list[Callable[[Mapping[str, str]], bool]] = []
    pos = 0
    while pos < len(text):
        m = _LABEL_REQ.match(text, pos)
        if m is None or m.end() == pos or (m["not"] and m["op"]):
            raise bad_request(f"unable to parse requirement: invalid label selector {text!r}")
        pos = m.end()
        key, op, val = m["key"], (m["op"] or "").strip(), m["val"] or ""
        values = frozenset(v.strip() for v in val.strip("()").split(",")) if op in ("in", "notin") else None
        if op in ("in", "notin") and not val.startswith("("):
            raise bad_request(f"unable to parse requirement: found '{val}', expected: '('")
        reqs.append(_label_requirement(key, op, val, values, bool(m["not"])))
    return lambda labels: all(r(labels) for r in reqs)


def _label_requirement(key: str, op: str, val: str, values: frozenset[str] | None,
                       negated: bool) -> Callable[[Mapping[str, str]], bool]:
    if not op:
        return (lambda ls: key not in ls) if negated else (lambda ls: key in ls)
    if values is not None:
        return (lambda ls: ls.get(key) in values) if op == "in" else (lambda ls: ls.get(key) not in values)
    return (lambda ls: ls.get(key) != val) if op == "!=" else (lambda ls: ls.get(key) == val)


def parse_field_selector(res: Resource, text: str) -> list[tuple[str, bool, str]]:
    """`spec.nodeName=n,metadata.name!=x` -> [(field, equal, value)]; unsupported fields are a 400 as for real."""
    terms = []
    for term in filter(None, (t.strip() for t in text.split(","))):
        m = re.fullmatch(r"([^=!]+)(==|=|!=)(.*)", term)
        if m is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        field = m[1].strip()
        if field not in ("metadata.name", "metadata.namespace") and field not in FIELD_LABELS.get(res.plural, ()):
            raise bad_request(f'field label not supported: {field}')
        terms.append((field, m[2] != "!=", m[3].strip()))
    return terms


def _field_value(obj: Obj, field: str) -> str:
    value: Any = obj
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class Filter(NamedTuple):
    """What a list or watch selects: a namespace (None = all), a label predicate and field terms."""

    namespace: str | None
    labels: Callable[[Mapping[str, str]], bool]
    fields: list[tuple[str, bool, str]]
    trivial: bool  # no selectors: lists report remainingItemCount

    def matches(self, obj: Obj) -> bool:
        meta = obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace", "") != self.namespace:
            return False
        return self.labels(meta.get("labels") or {}) and all(
            (_field_value(obj, f) == v) == eq for f, eq, v in self.fields)


def label_selector_string(selector: Obj | None) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, as in a Scale's status.selector."""
    reqs = [(k, f"{k}={v}") for k, v in (selector or {}).get("matchLabels", {}).items()]
    for e in (selector or {}).get("matchExpressions", []):
        op, key, vals = e["operator"], e["key"], ",".join(sorted(e.get("values", [])))
        text = {"In": f"{key} in ({vals})", "NotIn": f"{key} notin ({vals})", "Exists": key}.get(op, f"!{key}")
        reqs.append((key, text))
    return ",".join(t for _, t in sorted(reqs))


# -- patches --------------------------------------------------------------------------------------------------

def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch; unchanged subtrees are shared with target (stored objects are immutable)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json_patch(target: Obj, ops: list[Obj]) -> Obj:
    """RFC 6902 JSON patch (add, remove, replace, test); a failed op is a 422 Invalid."""
    doc = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op.get("path", "").split("/")[1:]]
        try:
            parent: Any = doc
            for part in parts[:-1]:
                parent = parent[int(part)] if isinstance(parent, list) else parent[part]
            last, kind = parts[-1], op["op"]
            index = (len(parent) if last == "-" else int(last)) if isinstance(parent, list) else last
            if kind == "test" and parent[index] != op["value"]:
                raise ValueError(f"testing value {op['path']} failed")
            if kind == "remove":
                del parent[index]
            elif kind == "add" and isinstance(parent, list):
                parent.insert(index, op["value"])
            elif kind == "add" or (kind == "replace" and (isinstance(parent, list) or index in parent)):
                parent[index] = op["value"]
            elif kind != "test":
                raise ValueError(f"unsupported or invalid operation {kind} on {op['path']}")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {e}")\
                from None
    return doc


def apply_patch(content_type: str, target: Obj, body: Any) -> Obj:
    if content_type == "application/json-patch+json" and isinstance(body, list):
        return json_patch(target, body)
    if content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json") \
            and isinstance(body, dict):
        patched: Obj = merge_patch(target, body)
        return patched
    raise ApiError(415, "UnsupportedMediaType",
                   f"the body of the request was in an unknown format - accepted media types include: "
                   f"application/json-patch+json, application/merge-patch+json, "
                   f"application/strategic-merge-patch+json (got {content_type})")


# -- the server -----------------------------------------------------------------------------------------------

class Change(NamedTuple):
    """One write: prev is None for a creation, cur is None for a deletion (then prev is the last state)."""

    rv: int
    res: Resource
    prev: Obj | None
    cur: Obj | None


class _Bookmark(NamedTuple):
    rv: int


_CLOSE, _TICK = object(), object()  # stream queue items: end the stream; nothing arrived in time
LogLine = tuple[datetime, str]


class FakeApiServer:
    """The fake API server: fixture state, a mutation API for tests, and the HTTP side on a private loop."""

    def __init__(self, fixtures: Path, *, token: str | None = None, bookmark_interval: float | None = 1.0,
                 git_version: str = "v1.16.7") -> None:
        self.fixtures = fixtures
        self.token = token
        self.bookmark_interval = bookmark_interval
        self.git_version = git_version  # the AKS cluster the fixtures come from
        self._lock = threading.RLock()
        self._by_path = {(r.group_version, r.plural): r for r in RESOURCES}
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {r.plural: {} for r in RESOURCES}
        for r in RESOURCES:
            if r.fixture:
                for item in json.loads((fixtures / r.fixture).read_text())["items"]:
                    item = {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
                    self._objects[r.plural][self._key(item)] = item
        self._rv = self._compacted = FIXTURE_RV
        self._history: list[Change] = []
        self._snapshots: dict[tuple[str, int], list[tuple[str, Obj]]] = {}  # for continue tokens
        self._logs: dict[tuple[str, str, str], list[LogLine]] = {}
        self._streams: dict[asyncio.Queue[Any], tuple[str, Any]] = {}  # queue -> ("watch", plural) | ("log", key)
        self._requests: list[Request] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve on 127.0.0.1 on a free port from a background thread; returns when it accepts connections."""
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, errors), name="fake-apiserver",
                                        daemon=True)
        self._thread.start()
        if not ready.wait(10) or errors:
            raise RuntimeError(f"fake API server did not start: {errors}")
        return self

    def stop(self) -> None:
        """End every stream, close the server and join its thread."""
        if self._loop is not None and self._stopping is not None and self._thread is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event, errors: list[BaseException]) -> None:
        try:
            asyncio.run(self._serve(ready))
        except BaseException as e:
            errors.append(e)
            ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        ready.set()
        await self._stopping.wait()
        self._close_streams(lambda kind, _: True)
        await runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(self, path: Path, token: str | None = None) -> Path:
        """A kubeconfig (JSON is YAML) whose current context points at this server with a bearer token."""
        token = token if token is not None else self.token
        user = {"token": token} if token is not None else {}
        config = {"apiVersion": "v1", "kind": "Config", "preferences": {},
                  "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                  "users": [{"name": "fake", "user": user}],
                  "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                  "current-context": "fake"}
        path.write_text(json.dumps(config, indent=2))
        return path

    # -- inspection -----------------------------------------------------------------------------------------

    @property
    def requests(self) -> tuple[Request, ...]:
        with self._lock:
            return tuple(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        """A copy of a stored object (without kind/apiVersion), or None."""
        with self._lock:
            return copy.deepcopy(self._objects[self.resource(kind).plural].get((namespace, name)))

    def objects(self, kind: str) -> list[Obj]:
        with self._lock:
            return [copy.deepcopy(o) for _, o in sorted(self._objects[self.resource(kind).plural].items())]

    def open_watches(self, kind: str | None = None) -> int:
        """How many watch streams are open (on one resource, or on all)."""
        plural = self.resource(kind).plural if kind else None
        with self._lock:
            return sum(1 for k, what in self._streams.values() if k == "watch" and plural in (None, what))

    def open_log_follows(self) -> int:
        with self._lock:
            return sum(1 for k, _ in self._streams.values() if k == "log")

    def wait_for(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll check() until true; AssertionError after timeout seconds. Async tests: asyncio.to_thread(it)."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.01)

    def resource(self, kind: str) -> Resource:
        """Look a resource up by plural (`pods`), kind (`Pod`) or lower-case kind (`pod`)."""
        for r in RESOURCES:
            if kind in (r.plural, r.kind, r.kind.lower()):
                return r
        raise KeyError(kind)

    # -- mutations (thread-safe; each bumps the resourceVersion and feeds matching watches) ------------------

    def add(self, kind: str, obj: Obj) -> Obj:
        """Create an object (uid and creationTimestamp filled in if missing): an ADDED event."""
        res = self.resource(kind)
        obj = {k: v for k, v in copy.deepcopy(obj).items() if k not in ("kind", "apiVersion")}
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", _now())
        if res.namespaced:
            meta.setdefault("namespace", "default")
        with self._lock:
            if self._key(obj) in self._objects[res.plural]:
                raise ValueError(f"{res.plural} {self._key(obj)} already exists")
            return self._commit(res, self._key(obj), obj)

    def modify(self, kind: str, namespace: str, name: str, change: Callable[[Obj], object] | Obj) -> Obj:
        """Change an object with a function that edits the copy it is given (its result is ignored), or with a
        JSON merge patch: a MODIFIED event. Returns the new state."""
        res = self.resource(kind)
        with self._lock:
            current = self._objects[res.plural].get((namespace, name))
            if current is None:
                raise KeyError(f"{res.plural} {namespace}/{name}")
            if callable(change):
                new = copy.deepcopy(current)
                change(new)
            else:
                new = merge_patch(current, copy.deepcopy(change))
            return self._commit(res, (namespace, name), new)

    def delete(self, kind: str, namespace: str, name: str) -> Obj:
        """Remove an object at once (as with gracePeriodSeconds=0): a DELETED event with its last state."""
        res = self.resource(kind)
        with self._lock:
            if (namespace, name) not in self._objects[res.plural]:
                raise KeyError(f"{res.plural} {namespace}/{name}")
            return self._commit(res, (namespace, name), None)

    def compact(self) -> None:
        """Forget the history (as etcd compaction): watches from an older RV get 410, continue tokens expire."""
        with self._lock:
            self._compacted = self._rv
            self._history.clear()
            self._snapshots.clear()

    def bookmark(self, advance: bool = False) -> int:
        """Send a BOOKMARK to every watch that allows them (optionally after an unrelated write elsewhere)."""
        with self._lock:
            self._rv += advance
            self._dispatch(_Bookmark(self._rv))
            return self._rv

    def close_watches(self) -> None:
        """End every open watch stream, as an apiserver restart or timeout would: clients reconnect."""
        self._close_streams(lambda kind, _: kind == "watch")

    def replay_watch_fixture(self, name: str = "watch-pods.jsonl") -> None:
        """Apply a captured watch stream's events in order; a BOOKMARK advances the RV and is sent as one."""
        for line in (self.fixtures / name).read_text().splitlines():
            event = json.loads(line)
            kind, obj = event["type"], event["object"]
            if kind == "BOOKMARK":
                self.bookmark(advance=True)
                continue
            res = self.resource(obj["kind"])
            obj = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
            with self._lock:
                self._commit(res, self._key(obj), None if kind == "DELETED" else obj)

    def append_log(self, namespace: str, pod: str, container: str, line: str) -> None:
        """Add a log line (timestamped now) and send it to every `follow` stream of that container."""
        with self._lock:
            key = (namespace, pod, container)
            entry = (datetime.now(UTC), line)
            self._log_lines(key).append(entry)
            for queue, (kind, what) in self._streams.items():
                if kind == "log" and what == key:
                    self._post(queue, entry)

    # -- state internals ------------------------------------------------------------------------------------

    @staticmethod
    def _key(obj: Obj) -> tuple[str, str]:
        meta = obj["metadata"]
        return meta.get("namespace", ""), meta["name"]

    def _commit(self, res: Resource, key: tuple[str, str], new: Obj | None) -> Obj:
        """Store a new state (None deletes) at the next RV, record it, feed the watches; returns a copy."""
        with self._lock:
            store = self._objects[res.plural]
            prev = store.get(key)
            self._rv += 1
            if new is None:
                assert prev is not None
                del store[key]
                result = _with_rv(prev, self._rv)
                self._close_streams(lambda kind, what: kind == "log" and what[:2] == key and res.plural == "pods")
            else:
                if prev is not None and prev.get("spec") != new.get("spec") and "generation" in prev["metadata"]:
                    new = {**new, "metadata": {**new["metadata"], "generation": prev["metadata"]["generation"] + 1}}
                result = store[key] = _with_rv(new, self._rv)
            change = Change(self._rv, res, prev, None if new is None else result)
            self._history.append(change)
            self._dispatch(change)
            return copy.deepcopy(result)

    def _post(self, queue: asyncio.Queue[Any], item: Any) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the server has stopped
                self._loop.call_soon_threadsafe(queue.put_nowait, item)

    def _dispatch(self, item: Change | _Bookmark) -> None:
        # Every watch sees every change (under the lock, so in RV order): a watch's bookmark then never runs
        # ahead of a change still queued for it.
        for queue, (kind, _) in self._streams.items():
            if kind == "watch":
                self._post(queue, item)

    def _close_streams(self, which: Callable[[str, Any], bool]) -> None:
        with self._lock:
            for queue, (kind, what) in self._streams.items():
                if which(kind, what):
                    self._post(queue, _CLOSE)

    def _log_lines(self, key: tuple[str, str, str]) -> list[LogLine]:
        """A container's log: three clearly synthetic lines from its start time unless tests appended more."""
        if key not in self._logs:
            pod = self._objects["pods"].get(key[:2], {})
            started = pod.get("status", {}).get("startTime") or pod.get("metadata", {}).get("creationTimestamp")
            for status in pod.get("status", {}).get("containerStatuses", []):
                if status["name"] == key[2]:
                    started = status.get("state", {}).get("running", {}).get("startedAt") or started
            base = datetime.fromisoformat(started) if started else datetime.now(UTC)
            self._logs[key] = [(base + timedelta(seconds=i), f"fake log line {i + 1} of {key[2]} in "
                                f"{key[0]}/{key[1]}") for i in range(3)]
        return self._logs[key]

    # -- HTTP -----------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        with self._lock:
            self._requests.append(Request(request.method, request.path, query,
                                          request.content_type if request.body_exists else ""))
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            return ApiError(401, "Unauthorized", "Unauthorized").response()
        try:
            return await self._route(request, query)
        except ApiError as e:
            return e.response()

    async def _route(self, request: web.Request, query: dict[str, str]) -> web.StreamResponse:
        segs = [s for s in request.path.split("/") if s]
        if segs in (["version"], ["api"], ["apis"]):
            return self._discovery(segs)
        if len(segs) < 3 or segs[0] not in ("api", "apis"):
            return web.Response(status=404, text="404 page not found\n")
        gv, rest = ("v1", segs[2:]) if segs[0] == "api" else (f"{segs[1]}/{segs[2]}", segs[3:])
        watch = query.get("watch") in ("true", "1")
        if rest[0] == "watch":  # the deprecated /watch/ prefix form
            watch, rest = True, rest[1:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        res = self._by_path.get((gv, rest[0])) if rest else None
        if res is None or len(rest) > 3 or (namespace is not None and not res.namespaced):
            return web.Response(status=404, text="404 page not found\n")
        name, sub = [*rest, None, None][1:3]
        method = request.method
        if name is None:
            if method == "GET":
                flt = Filter(namespace, parse_label_selector(query.get("labelSelector", "")),
                             parse_field_selector(res, query.get("fieldSelector", "")),
                             not query.get("labelSelector") and not query.get("fieldSelector"))
                return await self._watch(request, res, flt, query) if watch else self._list(res, flt, query)
        elif res.namespaced and namespace is None:
            return web.Response(status=404, text="404 page not found\n")
        elif sub is None:
            key = (namespace or "", name)
            if method == "GET":
                return _json_response(res.typed(self._existing(res, key)))
            if method in ("PUT", "PATCH"):
                return self._update(res, key, request.content_type, await self._body(request), method)
            if method == "DELETE":
                return self._delete(res, key, await self._body(request), query)
        elif sub == "scale" and res.plural in SCALABLE and method in ("GET", "PUT", "PATCH"):
            return self._scale(res, (namespace or "", name), method, request.content_type, await self._body(request))
        elif sub == "log" and res.plural == "pods" and method == "GET":
            return await self._log(request, (namespace or "", name), query)
        else:
            return web.Response(status=404, text="404 page not found\n")
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError as e:
            raise bad_request(f"the body of the request could not be decoded: {e}") from None

    def _discovery(self, segs: list[str]) -> web.Response:
        """/version, /api and /apis (synthetic but well-formed); the per-group resource lists are not served."""
        if segs == ["version"]:
            major, minor = self.git_version.lstrip("v").split(".")[:2]
            return _json_response({"major": major, "minor": minor, "gitVersion": self.git_version,
                                   "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "",
                                   "compiler": "gc", "platform": "linux/amd64"})
        if segs == ["api"]:
            return _json_response({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}]})
        versions = [{"groupVersion": gv, "version": gv.split("/")[1]}
                    for gv in sorted({r.group_version for r in RESOURCES if r.group} | {"autoscaling/v1"})]
        return _json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": v["groupVersion"].split("/")[0], "versions": [v], "preferredVersion": v} for v in versions]})

    def _existing(self, res: Resource, key: tuple[str, str]) -> Obj:
        obj = self._objects[res.plural].get(key)
        if obj is None:
            raise not_found(res, key[1])
        return obj

    # -- list and watch -------------------------------------------------------------------------------------

    def _list(self, res: Resource, flt: Filter, query: Mapping[str, str]) -> web.Response:
        """A list at the current RV (resourceVersion/resourceVersionMatch are not modelled), chunked on `limit`.

        Chunks come from a snapshot taken at the first page, so a chunked list is consistent as with etcd; the
        snapshot is forgotten by compact(), after which its token gets 410 Expired with an inconsistent
        continue token (rv -1: continue from the latest state), as etcd3's store does."""
        limit = int(query.get("limit") or 0)
        start = ""
        with self._lock:
            if token := query.get("continue"):
                try:
                    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                    rv, start = int(decoded["rv"]), str(decoded["start"])
                except (ValueError, KeyError, TypeError):
                    raise bad_request(f"continue key is not valid: {token}") from None
                snapshot = self._snapshots.get((res.plural, rv))
                if rv == -1:
                    rv, snapshot = self._rv, self._snapshot(res)
                elif snapshot is None:
                    raise ApiError(410, "Expired", INCONSISTENT_CONTINUE,
                                   meta={"continue": self._continue_token(-1, start)})
            else:
                rv, snapshot = self._rv, self._snapshot(res)
            items = [obj for key, obj in snapshot if key >= start and flt.matches(obj)]
            meta: Obj = {"resourceVersion": str(rv)}
            if limit and len(items) > limit:
                self._snapshots[(res.plural, rv)] = snapshot
                meta["continue"] = self._continue_token(rv, self._sort_key(items[limit - 1]) + "\x00")
                if flt.trivial:
                    meta["remainingItemCount"] = len(items) - limit
                items = items[:limit]
        return _json_response({"kind": f"{res.kind}List", "apiVersion": res.group_version, "metadata": meta,
                               "items": items})

    def _snapshot(self, res: Resource) -> list[tuple[str, Obj]]:
        """Objects in etcd key order (`namespace/name`), as real lists return them."""
        return sorted(((self._sort_key(o), o) for o in self._objects[res.plural].values()), key=lambda p: p[0])

    @staticmethod
    def _sort_key(obj: Obj) -> str:
        ns, name = obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
        return f"{ns}/{name}" if ns else name

    @staticmethod
    def _continue_token(rv: int, start: str) -> str:
        token = _dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).encode()
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    async def _watch(self, request: web.Request, res: Resource, flt: Filter,
                     query: Mapping[str, str]) -> web.StreamResponse:
        """A watch: newline-delimited events, ended by timeoutSeconds, close_watches(), stop() or the client."""
        rv_param = query.get("resourceVersion", "")
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        if rv_param not in ("", "0") and not rv_param.isdigit():
            raise bad_request(f"invalid resource version: {rv_param}")
        queue: asyncio.Queue[Any] = asyncio.Queue()
        backlog: list[Obj]
        with self._lock:
            if rv_param in ("", "0") or query.get("sendInitialEvents") == "true":
                # "Get State and Start at Most Recent": synthetic ADDED events carrying each object's own RV.
                backlog = [{"type": "ADDED", "object": res.typed(o)} for _, o in self._snapshot(res) if flt.matches(o)]
                if query.get("sendInitialEvents") == "true" and bookmarks:
                    backlog.append(self._bookmark_event(res, self._rv, initial_end=True))
            elif int(rv_param) < self._compacted:
                # watch_cache.go: errors.NewResourceExpired("too old resource version: %d (%d)", rv, oldest-1),
                # sent as the one event of a 200 response (#25151).
                backlog = [{"type": "ERROR", "object": status_object(
                    410, "Expired", f"too old resource version: {rv_param} ({self._compacted})")}]
                queue.put_nowait(_CLOSE)
            else:
                backlog = [e for c in self._history if c.rv > int(rv_param) and (e := self._event(res, flt, c))]
            seen = self._rv
            self._streams[queue] = ("watch", res.plural)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(query.get("timeoutSeconds") or "inf")
        interval = self.bookmark_interval if bookmarks and self.bookmark_interval else float("inf")
        next_bookmark = loop.time() + interval

        async def events() -> AsyncGenerator[bytes]:
            nonlocal seen, next_bookmark
            for initial in backlog:
                yield (_dumps(initial) + "\n").encode()
            while loop.time() < deadline:
                item = await self._next(request, queue, min(deadline, next_bookmark) - loop.time())
                if item is _CLOSE:
                    return
                if item is _TICK and loop.time() >= next_bookmark:
                    next_bookmark = loop.time() + interval
                    item = _Bookmark(seen)
                if isinstance(item, _Bookmark | Change):
                    seen = item.rv
                    event: Obj | None = self._event(res, flt, item) if isinstance(item, Change) else \
                        self._bookmark_event(res, seen) if bookmarks else None
                    if event is not None:
                        yield (_dumps(event) + "\n").encode()

        return await self._stream(request, queue, "application/json", events())

    @staticmethod
    def _event(res: Resource, flt: Filter, change: Change) -> Obj | None:
        """The event a change makes on a watch: like the watch cache, an object that stops matching the
        selectors is DELETED (its previous state at the change's RV) and one that starts matching is ADDED."""
        if change.res != res:
            return None
        was = change.prev is not None and flt.matches(change.prev)
        now = change.cur is not None and flt.matches(change.cur)
        if now:
            assert change.cur is not None
            return {"type": "MODIFIED" if was else "ADDED", "object": res.typed(change.cur)}
        if was:
            assert change.prev is not None
            return {"type": "DELETED", "object": res.typed(_with_rv(change.prev, change.rv))}
        return None

    @staticmethod
    def _bookmark_event(res: Resource, rv: int, initial_end: bool = False) -> Obj:
        meta: Obj = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {"type": "BOOKMARK", "object": {"kind": res.kind, "apiVersion": res.group_version, "metadata": meta}}

    # -- writes ---------------------------------------------------------------------------------------------

    def _update(self, res: Resource, key: tuple[str, str], content_type: str, body: Any, method: str) -> web.Response:
        """PUT replaces (409 Conflict on a stale metadata.resourceVersion); PATCH applies a patch."""
        with self._lock:
            current = self._existing(res, key)
            if method == "PATCH":
                new = apply_patch(content_type, current, body)
            else:
                if not isinstance(body, dict):
                    raise bad_request("the body of the request was empty or not an object")
                new = {k: v for k, v in body.items() if k not in ("kind", "apiVersion")}
                self._check_rv(res, key, new)
            new = {**new, "metadata": {**new.get("metadata", {}), "name": key[1], "uid": current["metadata"]["uid"]}}
            if res.namespaced:
                new["metadata"]["namespace"] = key[0]
            return _json_response(res.typed(self._commit(res, key, new)))

    def _check_rv(self, res: Resource, key: tuple[str, str], body: Obj) -> None:
        sent = body.get("metadata", {}).get("resourceVersion")
        if sent and sent != self._existing(res, key)["metadata"].get("resourceVersion"):
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {res.qualified} "{key[1]}": the '
                           f'object has been modified; please apply your changes to the latest version and try again',
                           {"name": key[1], "group": res.group, "kind": res.plural})

    def _delete(self, res: Resource, key: tuple[str, str], body: Any, query: Mapping[str, str]) -> web.Response:
        """Pods answer with the pod (ReturnDeletedObject); a graceful delete is first a MODIFIED with
        deletionTimestamp, then the kubelet (simulated at once) removes it: DELETED. Other kinds answer a Status."""
        with self._lock:
            current = self._existing(res, key)
            if res.plural != "pods":
                self._commit(res, key, None)
                details = {"name": key[1], "group": res.group, "kind": res.plural, "uid": current["metadata"]["uid"]}
                return _json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                       "details": {k: v for k, v in details.items() if v}})
            grace = query.get("gracePeriodSeconds")
            if grace is None and isinstance(body, dict):
                grace = body.get("gracePeriodSeconds")
            if grace is None:
                grace = current.get("spec", {}).get("terminationGracePeriodSeconds", 30)
            answer = current
            if int(grace) > 0 and "deletionTimestamp" not in current["metadata"]:
                when = (datetime.now(UTC) + timedelta(seconds=int(grace))).strftime("%Y-%m-%dT%H:%M:%SZ")
                answer = self._commit(res, key, {**current, "metadata": {
                    **current["metadata"], "deletionTimestamp": when, "deletionGracePeriodSeconds": int(grace)}})
            deleted = self._commit(res, key, None)
            return _json_response(res.typed(answer if int(grace) > 0 else deleted))

    def _scale(self, res: Resource, key: tuple[str, str], method: str, content_type: str, body: Any) -> web.Response:
        """The scale subresource: an autoscaling/v1 Scale; writing spec.replicas changes the workload's."""
        with self._lock:
            current = self._existing(res, key)
            scale = self._scale_of(current)
            if method == "GET":
                return _json_response(scale)
            if method == "PATCH":
                new = apply_patch(content_type, scale, body)
            else:
                new = body if isinstance(body, dict) else {}
                self._check_rv(res, key, new)
            replicas = new.get("spec", {}).get("replicas", 0)
            if not isinstance(replicas, int) or replicas < 0:
                raise ApiError(422, "Invalid", f'Scale.autoscaling "{key[1]}" is invalid: spec.replicas: Invalid '
                               f'value: {replicas}: must be greater than or equal to 0')
            if replicas == current["spec"].get("replicas"):  # no change: no write, no event
                return _json_response(scale)
            updated = self._commit(res, key, merge_patch(current, {"spec": {"replicas": replicas}}))
            return _json_response(self._scale_of(updated))

    @staticmethod
    def _scale_of(obj: Obj) -> Obj:
        meta = obj["metadata"]
        spec: Obj = {"replicas": obj["spec"]["replicas"]} if obj["spec"].get("replicas") else {}  # omitempty
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                             if k in meta},
                "spec": spec,
                "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                           "selector": label_selector_string(obj["spec"].get("selector"))}}

    # -- logs -----------------------------------------------------------------------------------------------

    async def _log(self, request: web.Request, key: tuple[str, str], query: Mapping[str, str]) -> web.StreamResponse:
        """GET .../pods/{name}/log: text/plain; `follow` streams lines appended later until the pod goes."""
        with self._lock:
            pod = self._existing(self.resource("pods"), key)
            names = [c["name"] for c in pod["spec"].get("containers", [])]
            init = [c["name"] for c in pod["spec"].get("initContainers", [])]
            container = query.get("container") or ""
            if not container and len(names) != 1:
                message = f"a container name must be specified for pod {key[1]}"
                if names:
                    message += f", choose one of: [{' '.join(names)}]"
                    message += f" or one of the init containers: [{' '.join(init)}]" if init else ""
                raise bad_request(message)
            container = container or names[0]
            if container not in names + init:
                raise bad_request(f"container {container} is not valid for pod {key[1]}")
            if query.get("previous") in ("true", "1"):
                raise bad_request(f'previous terminated container "{container}" in pod "{key[1]}" not found')
            lines = list(self._log_lines((*key, container)))
            follow = query.get("follow") in ("true", "1")
            queue: asyncio.Queue[Any] = asyncio.Queue()
            if follow:
                self._streams[queue] = ("log", (*key, container))
        if since := query.get("sinceSeconds"):
            lines = [ln for ln in lines if ln[0] >= datetime.now(UTC) - timedelta(seconds=int(since))]
        if since_time := query.get("sinceTime"):
            lines = [ln for ln in lines if ln[0] >= datetime.fromisoformat(since_time)]
        if (tail := query.get("tailLines")) is not None:
            lines = lines[-int(tail):] if int(tail) > 0 else []
        stamps = query.get("timestamps") in ("true", "1")

        def render(entries: Iterable[LogLine]) -> bytes:
            return "".join((f"{ts.strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z " if stamps else "") + text + "\n"
                           for ts, text in entries).encode()

        text = render(lines)
        if limit := query.get("limitBytes"):
            text = text[:int(limit)]
        if not follow:
            return web.Response(body=text, content_type="text/plain")

        async def appended() -> AsyncGenerator[bytes]:
            yield text
            while (item := await self._next(request, queue, 0.5)) is not _CLOSE:
                if item is not _TICK:
                    yield render([item])

        return await self._stream(request, queue, "text/plain", appended())

    async def _next(self, request: web.Request, queue: asyncio.Queue[Any], timeout: float) -> Any:
        """The next item posted to a stream; _TICK after timeout (at most 0.5 s), _CLOSE once the client has gone."""
        try:
            return await asyncio.wait_for(queue.get(), max(0.0, min(timeout, 0.5)))
        except TimeoutError:
            return _CLOSE if request.transport is None or request.transport.is_closing() else _TICK

    async def _stream(self, request: web.Request, queue: asyncio.Queue[Any], content_type: str,
                      chunks: AsyncGenerator[bytes]) -> web.StreamResponse:
        """A chunked 200 response written as chunks come; the stream is unregistered when it ends."""
        resp = web.StreamResponse(headers={"Content-Type": content_type})
        resp.enable_chunked_encoding()
        try:
            await resp.prepare(request)
            async for chunk in chunks:
                await resp.write(chunk)
        except ConnectionError:
            pass  # the client went away
        finally:
            with self._lock:
                self._streams.pop(queue, None)
            await chunks.aclose()
        return resp
