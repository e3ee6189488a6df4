"""Keeping the registry in step with the daemon: a relist on connect, then events, and a resync every 10 s.

As Scope's registry does, the event stream is opened before the list is read, so nothing that happens in
between is missed. Events arrive on a thread (the SDK's stream blocks) and are handled on the event loop, one at
a time: an inspect per container event, and `on_change` so the reporter can publish a shortcut report.

The daemon may be absent, or restart: then the watcher reconnects with exponential backoff and logs the outage
once (Scope logged every retry). After reconnecting, the relist diffs against what was known, so containers that
went away meanwhile are reported deleted and nothing flaps.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from .client import DockerAPI
from .errors import ContainerNotFound, DockerError, DockerUnavailable
from .registry import Registry

log = logging.getLogger(__name__)

# Container events after which the container is inspected again (moby's events; exec_*, attach, resize, top,
# health_status and the like change nothing the report shows).
_INSPECT_ACTIONS = frozenset(("create", "start", "die", "pause", "unpause", "rename", "update", "restart", "oom",
                              "stop", "kill"))
_NETWORK_ACTIONS = frozenset(("connect", "disconnect"))

OnChange = Callable[[list[str], list[str]], None]  # (IDs inspected anew, IDs gone)


class DockerWatcher:
    """Runs until cancelled; `api` is the live client while connected (None otherwise)."""

    def __init__(
        self, registry: Registry, connect: Callable[[], DockerAPI], on_change: OnChange, *,
        resync_interval: float = 10.0, min_backoff: float = 1.0, max_backoff: float = 30.0,
    ) -> None:
        self._registry = registry
        self._connect = connect
        self._on_change = on_change
        self._resync_interval = resync_interval
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self.api: DockerAPI | None = None
        self.synced = asyncio.Event()  # set once the registry matches the daemon; cleared while disconnected
        self.sessions = 0  # how many times a relist completed after (re)connecting
        self._outage_logged = False

    async def run(self) -> None:
        """Connect, follow events and resync; reconnect with backoff whenever the daemon goes away."""
        backoff = self._min_backoff
        while True:
            try:
                api = await asyncio.to_thread(self._connect)
            except DockerError as e:
                self._outage(e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            sessions = self.sessions
            try:
                await self._session(api)
            except DockerError as e:
                self._outage(e)
            except Exception:
                # A bug, or an answer we did not expect: reconnecting beats a watcher that silently stopped.
                log.exception("docker: watcher failed; reconnecting")
            finally:
                self.api = None
                self.synced.clear()
                api.close()
            if self.sessions > sessions:
                backoff = self._min_backoff  # it was up: retry soon (a dockerd restart takes about a second)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    def _connected(self, api: DockerAPI) -> None:
        self.api = api
        self.sessions += 1
        self.synced.set()
        if self._outage_logged:
            log.info("docker: connected again to %s", api.base_url)
            self._outage_logged = False

    def _outage(self, e: Exception) -> None:
        if not self._outage_logged:
            log.warning("docker: no daemon (%s); retrying with backoff, quietly until it is back", e)
            self._outage_logged = True
        else:
            log.debug("docker: still unavailable: %s", e)

    async def _session(self, api: DockerAPI) -> None:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        stream_api = await asyncio.to_thread(api.clone)  # the stream holds its connection for good
        try:
            stream = await asyncio.to_thread(stream_api.events)
        except BaseException:
            stream_api.close()
            raise

        def pump() -> None:
            try:
                for event in stream:
                    loop.call_soon_threadsafe(events.put_nowait, event)
            except Exception:  # a cut stream raises urllib3, requests or SDK errors alike
                log.debug("docker: event stream ended", exc_info=True)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed: we are shutting down
                    loop.call_soon_threadsafe(events.put_nowait, None)

        threading.Thread(target=pump, name="docker-events", daemon=True).start()
        try:
            await self.resync(api, full=True)
            self._connected(api)
            next_resync = loop.time() + self._resync_interval
            while True:
                try:
                    event = await asyncio.wait_for(events.get(), max(0.0, next_resync - loop.time()))
                except TimeoutError:
                    await self.resync(api)
                    next_resync = loop.time() + self._resync_interval
                    continue
                if event is None:
                    raise DockerUnavailable("the event stream ended (daemon stopped or restarting)")
                await self._handle(api, event)
        finally:
            stream.close()
            stream_api.close()

    async def resync(self, api: DockerAPI, full: bool = False) -> None:
        """Make the registry match the daemon: inspect containers that are new or changed state (all of them if
        full), forget those that are gone, and reread the images. One on_change call for all of it, so a relist
        of 50 containers makes one shortcut report, not 50."""
        states = await asyncio.to_thread(api.container_states)
        images = await asyncio.to_thread(api.images)
        self._registry.set_images(images)
        gone = [cid for cid in self._registry.ids() - states.keys() if self._registry.remove(cid)]
        stale = []
        for cid, status in states.items():
            known = self._registry.get(cid)
            if full or known is None or (known.get("State") or {}).get("Status") != status:
                stale.append(cid)
        found = await asyncio.gather(*(self._inspect(api, cid) for cid in stale))
        changed = [cid for cid, ok in zip(stale, found, strict=True) if ok]
        gone += [cid for cid, ok in zip(stale, found, strict=True) if not ok]
        if changed or gone:
            self._on_change(changed, gone)

    async def _inspect(self, api: DockerAPI, container_id: str) -> bool:
        """Inspect into the registry; False (and forgotten) if the container no longer exists."""
        try:
            container = await asyncio.to_thread(api.inspect, container_id)
        except ContainerNotFound:
            self._registry.remove(container_id)
            return False
        self._registry.update(container)
        return True

    async def _update(self, api: DockerAPI, container_id: str) -> None:
        if await self._inspect(api, container_id):
            self._on_change([container_id], [])
        else:
            self._on_change([], [container_id])

    async def _handle(self, api: DockerAPI, event: dict[str, Any]) -> None:
        kind, action = event.get("Type"), event.get("Action") or ""
        actor = event.get("Actor") or {}
        if kind == "container":
            cid = actor.get("ID") or event.get("id") or ""
            if action == "destroy":
                self._registry.remove(cid)
                self._on_change([], [cid])
            elif action in _INSPECT_ACTIONS:
                await self._update(api, cid)
        elif kind == "network" and action in _NETWORK_ACTIONS:
            cid = (actor.get("Attributes") or {}).get("container")
            if cid:
                await self._update(api, cid)
        elif kind == "image":
            self._registry.set_images(await asyncio.to_thread(api.images))
