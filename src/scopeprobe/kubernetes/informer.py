"""List and watch one kind of object into a store, the way client-go's reflector does: list (in pages), then
watch from the list's resourceVersion with bookmarks; the client resumes a stream that ends from the last version
it saw; an expired version (410) means list again. Runs in its own thread: the official client blocks."""

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from kubernetes.client.exceptions import ApiException
from kubernetes.watch.watch import iter_resp_lines
from urllib3.exceptions import HTTPError

log = logging.getLogger("scopeprobe.kubernetes")

Obj = Mapping[str, Any]
# (resource, event, object); event: "ADDED", "MODIFIED", "DELETED", or "SYNCED" (object {}) after every (re)list.
OnEvent = Callable[[str, str, Obj], None]
_PAGE = 500
_WATCH_SECONDS = 300  # the server ends a watch after this; the client resumes it from the last version


def key_of(o: Obj) -> str:
    """namespace/name, or name for cluster objects."""
    m = o.get("metadata") or {}
    return f"{m['namespace']}/{m.get('name', '')}" if m.get("namespace") else m.get("name", "")


class Expired(Exception):
    """The version we watch from is gone from the server's history: list again."""


class Informer:
    """One kind's objects, kept current. `list_fn`: the client's list method (e.g.
    CoreV1Api.list_pod_for_all_namespaces); `selectors`: field_selector / label_selector arguments."""

    def __init__(self, name: str, list_fn: Callable[..., Any], on_event: OnEvent, *,
                 selectors: Mapping[str, str] | None = None, retry: float = 2.0) -> None:
        self.name, self._list_fn, self._on_event = name, list_fn, on_event
        self._selectors = dict(selectors or {})
        self._retry = retry
        self._store: dict[str, Obj] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._response: Any = None  # the open watch stream, shut down to stop at once
        self._thread = threading.Thread(target=self._run, name=f"k8s-{name}", daemon=True)
        self.synced = threading.Event()
        self.lists = 0  # how many times we listed: 1 + relists after 410s and errors
        self.error = ""

    def start(self) -> "Informer":
        """Begin listing and watching."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop now: the open stream is shut down under the thread reading it."""
        self._stop.set()
        resp = self._response
        if resp is not None:
            with contextlib.suppress(ValueError, RuntimeError, OSError):  # already closed or released: done
                resp.shutdown()

    def join(self, timeout: float) -> None:
        """Wait for the thread (if it was started)."""
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def objects(self) -> list[Obj]:
        """A snapshot of the store."""
        with self._lock:
            return list(self._store.values())

    def get(self, key: str) -> Obj | None:
        """One object by namespace/name."""
        with self._lock:
            return self._store.get(key)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                version = self._list()
                while not self._stop.is_set():  # a stream the server ends is resumed where it was
                    version = self._watch_from(version)
            except Expired:
                log.info("watch expired, listing again", extra={"resource": self.name})
            except (ApiException, HTTPError, OSError, ValueError) as e:
                if self._stop.is_set():
                    return
                self.error = f"{type(e).__name__}: {getattr(e, 'reason', None) or e}"
                log.warning("kubernetes list/watch failed, retrying", extra={"resource": self.name,
                                                                            "error": self.error})
                self._stop.wait(self._retry)

    def _list(self) -> str:
        items: dict[str, Obj] = {}
        token, version = "", ""
        while True:
            resp = self._list_fn(limit=_PAGE, _continue=token or None, _preload_content=False, **self._selectors)
            body = json.loads(resp.data)
            for item in body.get("items") or ():
                items[key_of(item)] = item
            meta = body.get("metadata") or {}
            version = meta.get("resourceVersion") or version
            token = meta.get("continue") or ""
            if not token:
                break
        with self._lock:
            old, self._store = self._store, items
        self.lists += 1
        self.error = ""
        for key, o in old.items():  # gone while we were not watching
            if key not in items:
                self._on_event(self.name, "DELETED", o)
        for key, o in items.items():
            if key not in old:
                self._on_event(self.name, "ADDED", o)
            elif (old[key].get("metadata") or {}).get("resourceVersion") != (o.get("metadata") or {}).get(
                    "resourceVersion"):
                self._on_event(self.name, "MODIFIED", o)
        self.synced.set()
        self._on_event(self.name, "SYNCED", {})
        return version

    def _watch_from(self, version: str) -> str:
        """Watch until the server ends the stream; the version to resume from (the last event's or bookmark's).
        The watch request is the client's own list call with watch=true; its lines are read here rather than by
        kubernetes.watch, which tracks versions only when it deserialises into models (slow, and 410 handling
        breaks without them)."""
        resp = self._list_fn(watch=True, resource_version=version, allow_watch_bookmarks=True,
                             timeout_seconds=_WATCH_SECONDS, _preload_content=False, **self._selectors)
        self._response = resp
        try:
            # stop() sets the flag, then shuts the stream it sees: a stop that came while this request was in
            # flight saw none, so look again now that the stream is published.
            if self._stop.is_set():
                return version
            for line in iter_resp_lines(resp):
                if self._stop.is_set():
                    break
                if not line.strip():
                    continue
                event = json.loads(line)
                kind, o = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if o.get("code") == 410:
                        raise Expired()
                    raise ValueError(f"watch error: {o.get('message') or o}")
                version = (o.get("metadata") or {}).get("resourceVersion") or version
                if kind not in ("ADDED", "MODIFIED", "DELETED"):
                    continue  # BOOKMARK: only its version matters
                key = key_of(o)
                with self._lock:
                    if kind == "DELETED":
                        self._store.pop(key, None)
                    else:
                        self._store[key] = o
                self._on_event(self.name, kind, o)
        finally:
            self._response = None
            resp.close()
            resp.release_conn()
        return version
