"""FlowTracker: the live conntrack flow source of one network namespace, for an asyncio probe.

It joins the event groups first, then dumps the table (so nothing falls between the dump and the first event),
then follows NEW/UPDATE/DESTROY events, and dumps again every `resync_interval` seconds (longer for tables so
big that dumping would take over 5% of the time), or as soon as the kernel reports lost events (no earlier than
`min_resync_interval` after the last dump, so a sustained overload degrades to polling, as Scope's walker did,
instead of dumping in a loop). Scope #1137: ENOBUFS "by design".

Usage::

    async with FlowTracker(netns="/proc/1234/ns/net") as tracker:   # raises NotSupported: fall back to /proc
        ...
        live, ended = tracker.drain()      # once per probe tick, from the event loop's thread
"""

import asyncio
import contextlib
import errno
import logging
import socket
import time
from collections.abc import Callable, Collection
from types import TracebackType

from scopeprobe.conntrack import parse
from scopeprobe.conntrack.errors import BadMessage
from scopeprobe.conntrack.schema import EventType, Flow, FlowEvent
from scopeprobe.conntrack.socket import DumpSocket, EventSocket, events_sysctl, netns_inode, raise_for_error
from scopeprobe.conntrack.stats import TrackerStats
from scopeprobe.conntrack.table import FlowTable

log = logging.getLogger(__name__)

ALL_EVENTS = frozenset(EventType)
# What the probe reports connections for. Other flows (ICMP, GRE...) would only cost memory: ~0.7 KB each.
DEFAULT_PROTOCOLS = frozenset({socket.IPPROTO_TCP, socket.IPPROTO_UDP})
DEFAULT_RCVBUF = 8 << 20
# How often the event handler looks at the socket's drop counter (a getsockopt) while events flow.
_DROP_CHECK_INTERVAL = 0.25
# At most this share of the time goes to dumping, periodic / after losses: a dump costs ~23 ms per 1000 flows
# here, so a 100k-flow table (2.3 s) is dumped every 46 s rather than 30, and at most every 9 s under overload.
_RESYNC_DUTY, _RECOVERY_DUTY = 0.05, 0.25


class FlowTracker:
    """Live flows of one network namespace plus the flows that ended since the last drain().

    `netns`: None (the probe's own), a name under /var/run/netns, or a path such as /proc/<pid>/ns/net.
    `events`: the event groups to join; without UPDATE, a TCP flow stays live until its DESTROY (TIME_WAIT,
    120 s by default, plus the kernel's GC delay). `protocols`: the IP protocols to keep (None: all).
    `on_event` is called for every kept event after the table took it (from the datagram callback: keep it
    short; if it raises, the tracker stops and drain() raises that). Not thread-safe: call everything from the
    event loop's thread.
    """

    def __init__(
        self,
        netns: str | None = None,
        *,
        resync_interval: float = 30.0,
        min_resync_interval: float = 1.0,
        rcvbuf: int = DEFAULT_RCVBUF,
        events: Collection[EventType] = ALL_EVENTS,
        protocols: Collection[int] | None = DEFAULT_PROTOCOLS,
        max_ended: int = 100_000,
        on_event: Callable[[FlowEvent], None] | None = None,
    ) -> None:
        self.netns = netns
        self.resync_interval = resync_interval
        self.min_resync_interval = min_resync_interval
        self.rcvbuf = rcvbuf
        self.events = frozenset(events)
        self.protocols = None if protocols is None else frozenset(protocols)
        self.on_event = on_event
        self.stats = TrackerStats()
        self.netns_inode = 0  # set by start()
        self._table = FlowTable(self.stats, max_ended)
        self._events: EventSocket | None = None
        self._dump: DumpSocket | None = None
        self._task: asyncio.Task[None] | None = None
        self._resync_lock = asyncio.Lock()
        self._resync_wanted = asyncio.Event()
        self._overrun = False
        self._last_resync = 0.0
        self._next_drop_check = 0.0
        self._drops_seen = 0
        self._failure: BaseException | None = None

    async def start(self) -> None:
        """Open the sockets, join the groups, dump the table, start following. Raises NotSupported/NamespaceGone."""
        self.netns_inode = netns_inode(self.netns)
        if self.netns is None and events_sysctl() == 0:
            log.warning("net.netfilter.nf_conntrack_events=0: no conntrack events, polling every %ss",
                        self.resync_interval)
        try:
            self._dump = await DumpSocket.open(self.netns)
            self._events = await EventSocket.open(self.netns, self.events, self.rcvbuf, self._on_datagram)
            await self.resync()
            self._task = asyncio.create_task(self._resync_loop(), name=f"conntrack-resync-{self.netns}")
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop following and close both sockets (holding them would keep a dead container's namespace alive)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for sock in (self._events, self._dump):
            if sock is not None:
                sock.close()
        self._events = self._dump = None

    async def __aenter__(self) -> "FlowTracker":
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __len__(self) -> int:
        return len(self._table)

    def drain(self) -> tuple[list[Flow], list[Flow]]:
        """(live flows, flows that ended since the last drain), clearing the latter.

        Raises what stopped the tracker, so a dead tracker does not pass for an idle one.
        """
        if self._failure is not None:
            raise self._failure
        self._check_drops()
        return self._table.drain()

    def live(self) -> list[Flow]:
        """The live flows, without draining the ended ones."""
        return self._table.live()

    async def resync(self) -> None:
        """Dump the table now and reconcile (one dump at a time)."""
        if self._dump is None:
            raise RuntimeError("tracker not started")
        async with self._resync_lock:
            start = time.monotonic()
            self._table.begin_resync()
            flows: list[Flow] = []
            inode, protocols = self.netns_inode, self.protocols
            try:
                async for datagram, header in self._dump.dump():
                    try:
                        flow = parse.parse_flow(datagram, header, inode)
                    except BadMessage as e:
                        self.stats.bad_messages += 1
                        log.debug("conntrack dump: skipped %s", e)
                        continue
                    if protocols is None or flow.protocol in protocols:
                        flows.append(flow)
            except BaseException:
                self._table.abort_resync()
                raise
            self._table.finish_resync(flows)
            self._last_resync = time.monotonic()
            self.stats.resyncs += 1
            self.stats.last_resync_seconds = self._last_resync - start

    def _check_drops(self) -> None:
        if self._events is None:
            return
        drops = self._events.drops()
        if drops > self._drops_seen:
            self.stats.dropped += drops - self._drops_seen
            self._drops_seen = drops
            self._resync_wanted.set()

    def _on_datagram(self, datagram: bytes) -> None:
        """Called by the event socket's transport for every datagram. Exceptions must not escape: asyncio
        would close the transport."""
        if self._failure is not None:
            return
        try:
            self._handle(datagram)
            now = time.monotonic()
            if now >= self._next_drop_check:
                self._next_drop_check = now + _DROP_CHECK_INTERVAL
                self._check_drops()
        except Exception as e:
            log.exception("conntrack event handling stopped (netns %s)", self.netns)
            self._failure = e
            if self._task is not None:
                self._task.cancel()

    def _handle(self, datagram: bytes) -> None:
        stats, table, on_event, protocols = self.stats, self._table, self.on_event, self.protocols
        inode = self.netns_inode
        try:
            headers = list(parse.messages(datagram))
        except BadMessage as e:
            stats.bad_messages += 1
            log.debug("conntrack event: skipped datagram: %s", e)
            return
        for header in headers:
            if header.type == parse.NLMSG_ERROR:
                code = parse.error_code(datagram, header)
                if code == errno.ENOBUFS:
                    # Only if NO_ENOBUFS could not be set: pyroute2 has poisoned the socket; replace it.
                    self.stats.enobufs += 1
                    self._overrun = True
                    self._resync_wanted.set()
                    return
                raise_for_error(code, self.netns)
                continue
            try:
                event = parse.parse_event(datagram, header, inode)
            except BadMessage as e:
                stats.bad_messages += 1
                log.debug("conntrack event: skipped %s", e)
                continue
            if protocols is not None and event.flow.protocol not in protocols:
                continue
            if event.type is EventType.UPDATE:
                stats.events_update += 1
            elif event.type is EventType.NEW:
                stats.events_new += 1
            else:
                stats.events_destroy += 1
            table.apply(event)
            if on_event is not None:
                on_event(event)

    async def _reopen_events(self) -> None:
        # What the old socket lost, the resync that follows recovers.
        self._overrun = False
        if self._events is not None:
            self._events.close()
        self._events = None
        self._events = await EventSocket.open(self.netns, self.events, self.rcvbuf, self._on_datagram)
        self._drops_seen = 0

    async def _resync_loop(self) -> None:
        try:
            while True:
                took = self.stats.last_resync_seconds
                with contextlib.suppress(TimeoutError):
                    interval = max(self.resync_interval, took / _RESYNC_DUTY)
                    await asyncio.wait_for(self._resync_wanted.wait(), timeout=interval)
                spacing = max(self.min_resync_interval, took / _RECOVERY_DUTY)
                delay = self._last_resync + spacing - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self._resync_wanted.clear()
                if self._overrun:
                    await self._reopen_events()
                self._check_drops()
                await self.resync()
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.exception("conntrack resync stopped (netns %s)", self.netns)
            self._failure = e
