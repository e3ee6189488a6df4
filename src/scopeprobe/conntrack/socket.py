"""The ctnetlink sockets: one joined to the event groups, one for dumps; and the one place errors are translated.

Both are pyroute2 `AsyncNFCTSocket`s: pyroute2 opens them inside the target network namespace (it forks a
helper that setns()es and passes the socket back, so each tracker pays two forks at start and none after),
binds the groups and runs the asyncio datagram transport. Datagrams are taken raw from that transport
(`enqueue`) and parsed by `parse`, 20-50x faster than pyroute2's decoder (see parse.py).
"""

import asyncio
import contextlib
import errno
import itertools
import os
import socket
import struct
from collections.abc import AsyncIterator, Callable, Collection, Iterator

from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped]
from pyroute2.netlink.nfnetlink import (  # type: ignore[import-untyped]
    NFNLGRP_CONNTRACK_DESTROY,
    NFNLGRP_CONNTRACK_NEW,
    NFNLGRP_CONNTRACK_UPDATE,
)
from pyroute2.netlink.nfnetlink.nfctsocket import AsyncNFCTSocket  # type: ignore[import-untyped]

from scopeprobe.conntrack import parse
from scopeprobe.conntrack.errors import NamespaceGone, NotSupported
from scopeprobe.conntrack.schema import EventType

# Not all of these are in Python's socket module (include/uapi/asm-generic/socket.h, linux/netlink.h).
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
SO_RCVBUFFORCE = 33
SO_MEMINFO = 55
_SK_MEMINFO_VARS = 9
_SK_MEMINFO_DROPS = 8

# bind() takes a bitmask of groups numbered from 1 (NFNLGRP_CONNTRACK_NEW = 1 -> bit 0).
GROUPS = {
    EventType.NEW: 1 << (NFNLGRP_CONNTRACK_NEW - 1),
    EventType.UPDATE: 1 << (NFNLGRP_CONNTRACK_UPDATE - 1),
    EventType.DESTROY: 1 << (NFNLGRP_CONNTRACK_DESTROY - 1),
}
NETNS_RUN_DIR = "/var/run/netns"
_FEATURE = "conntrack (ctnetlink)"


def netns_path(netns: str | None) -> str:
    """The nsfs path of a namespace given as pyroute2 takes it: None (ours), a name in /var/run/netns, a path."""
    if netns is None:
        return "/proc/self/ns/net"
    return netns if "/" in netns else os.path.join(NETNS_RUN_DIR, netns)


def netns_inode(netns: str | None) -> int:
    """The inode that identifies a network namespace (what Scope puts in loopback endpoint IDs)."""
    with translate_errors(netns):
        return os.stat(netns_path(netns)).st_ino


def _not_supported(code: int | None) -> NotSupported | None:
    # EPERM: ctnetlink requests and group membership need CAP_NET_ADMIN over the namespace (nfnetlink_rcv).
    # EPROTONOSUPPORT: no NETLINK_NETFILTER (CONFIG_NETFILTER_NETLINK off). EINVAL/EOPNOTSUPP answering a
    # request: the ctnetlink subsystem is not registered and could not be loaded (nfnetlink_rcv_msg).
    if code in (errno.EPERM, errno.EACCES):
        return NotSupported(_FEATURE, "needs CAP_NET_ADMIN in the network namespace")
    if code in (errno.EPROTONOSUPPORT, errno.EAFNOSUPPORT):
        return NotSupported(_FEATURE, "the kernel has no nfnetlink (CONFIG_NETFILTER_NETLINK)")
    if code in (errno.EINVAL, errno.EOPNOTSUPP):
        return NotSupported(_FEATURE, "ctnetlink is not available (CONFIG_NF_CT_NETLINK, nf_conntrack_netlink)")
    return None


@contextlib.contextmanager
def translate_errors(netns: str | None) -> Iterator[None]:
    """Turn what the kernel and pyroute2 raise when conntrack cannot work here into NotSupported/NamespaceGone."""
    try:
        yield
    except (NetlinkError, OSError) as e:
        code = e.code if isinstance(e, NetlinkError) else e.errno
        if code == errno.ENOENT and netns is not None:
            raise NamespaceGone(netns) from e
        err = _not_supported(code)
        if err is None:
            raise
        raise err from e
    except KeyError as e:
        # pyroute2's bind() retries other port ids on any error, then raises this, losing the errno. The dump
        # socket's request already succeeded by then, so what is left is group membership being refused.
        raise NotSupported(_FEATURE, f"cannot join the conntrack event groups ({e.args[0]})") from e


def raise_for_error(code: int, netns: str | None) -> None:
    """Raise for the errno of an NLMSG_ERROR answer, as translate_errors would for a raised one."""
    if code:
        with translate_errors(netns):
            raise OSError(code, os.strerror(code))


def events_sysctl() -> int | None:
    """net.netfilter.nf_conntrack_events of our own namespace: 0 off, 1 on, 2 only while someone listens (the
    default since 6.1: flows created before a listener joined never send events). None when unreadable."""
    try:
        with open("/proc/sys/net/netfilter/nf_conntrack_events", "rb") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class _RawNFCTSocket(AsyncNFCTSocket):  # type: ignore[misc]
    """An AsyncNFCTSocket whose transport hands every datagram, undecoded, to `sink` (pyroute2 calls `enqueue`
    from the datagram protocol, errors included as synthesized NLMSG_ERROR messages)."""

    def __init__(self, netns: str | None, sink: Callable[[bytes], None]) -> None:
        # AF_UNSPEC: IPv4 and IPv6. flags=0: never create a missing namespace (pyroute2's default O_CREAT would
        # make an empty one under /var/run/netns).
        super().__init__(nfgen_family=socket.AF_UNSPEC, netns=netns, flags=0)
        self.sink = sink

    def enqueue(self, data: bytes, addr: object) -> None:
        self.sink(data)


class EventSocket:
    """A ctnetlink socket joined to the NEW/UPDATE/DESTROY groups, with a large receive buffer. Every datagram
    goes to `sink` from the event loop's datagram callback."""

    def __init__(self, sock: _RawNFCTSocket) -> None:
        self._sock = sock
        self.rcvbuf = 0  # what the kernel granted (it doubles the request for bookkeeping)

    @classmethod
    async def open(
        cls, netns: str | None, events: Collection[EventType], rcvbuf: int, sink: Callable[[bytes], None]
    ) -> "EventSocket":
        """Open, size the buffer, disable ENOBUFS and join the groups for `events`. Raises NotSupported."""
        sock = _RawNFCTSocket(netns, sink)
        self = cls(sock)
        try:
            with translate_errors(netns):
                raw = sock.socket
                try:
                    # Beyond net.core.rmem_max (212992 by default): bursts of a few thousand flows/s overflow
                    # smaller buffers (Scope #1137). Needs CAP_NET_ADMIN, which conntrack needs anyway.
                    raw.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
                except PermissionError:
                    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                # An overrun would set sk_err = ENOBUFS, which pyroute2 0.9 turns into a permanent error on the
                # socket. With NO_ENOBUFS the kernel only counts the loss in sk_drops, read by drops().
                raw.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
                self.rcvbuf = raw.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
                # Bind before anything is sent: a request autobinds the socket and a later bind() fails.
                await sock.bind(groups=sum(GROUPS[e] for e in set(events)))
        except BaseException:
            sock.close()
            raise
        return self

    def drops(self) -> int:
        """Events the kernel dropped because our buffer was full, since the socket opened (sk_drops)."""
        raw = self._sock.socket.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 4 * _SK_MEMINFO_VARS)
        drops: int = struct.unpack(f"{_SK_MEMINFO_VARS}I", raw)[_SK_MEMINFO_DROPS]
        return drops

    def close(self) -> None:
        """Leave the groups and close."""
        self._sock.sink = _ignore
        # After ENOBUFS pyroute2 re-raises the stored error from most of its methods; the fd is closed anyway.
        with contextlib.suppress(OSError):
            self._sock.close()


def _ignore(data: bytes) -> None:
    """The sink of a closed socket: pyroute2 reports its own close as an ECONNRESET datagram."""


class DumpSocket:
    """A ctnetlink socket for table dumps (kept open: in another namespace, each open forks)."""

    def __init__(self, netns: str | None) -> None:
        self._netns = netns
        self._seq = itertools.count(1)
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._sock = _RawNFCTSocket(netns, self._queue.put_nowait)

    @classmethod
    async def open(cls, netns: str | None) -> "DumpSocket":
        """Open and check that ctnetlink answers: raises NotSupported or NamespaceGone here, not mid-dump."""
        self = cls(netns)
        try:
            with translate_errors(netns):
                await self._sock.setup_endpoint()
            await self.count()
        except BaseException:
            self.close()
            raise
        return self

    async def _request(self, msg_type: int, single: bool = False) -> AsyncIterator[tuple[bytes, parse.Header]]:
        """Send one dump request and yield the messages of its answer until NLMSG_DONE, or only the first one
        if `single`: ctnetlink_stat_ct answers CT_GET_STATS with one message flagged MULTI and no DONE."""
        seq = next(self._seq) & 0xFFFFFFFF
        while not self._queue.empty():  # leftovers of a dump abandoned mid-way
            self._queue.get_nowait()
        with translate_errors(self._netns):
            self._sock.socket.send(parse.request(msg_type, seq))
        while True:
            datagram = await self._queue.get()
            for header in parse.messages(datagram):
                if header.type == parse.NLMSG_ERROR and header.seq in (seq, 0):  # 0: pyroute2's own errors
                    raise_for_error(parse.error_code(datagram, header), self._netns)
                elif header.seq != seq:
                    continue  # an answer to an earlier, abandoned request
                elif header.type == parse.NLMSG_DONE:
                    return
                else:
                    yield datagram, header
                    if single:
                        return

    async def count(self) -> int:
        """Entries in the table (IPCTNL_MSG_CT_GET_STATS): a cheap request that needs the same privilege."""
        total = 0
        async for datagram, header in self._request(parse.IPCTNL_MSG_CT_GET_STATS, single=True):
            total += parse.parse_count(datagram, header)
        return total

    def dump(self) -> AsyncIterator[tuple[bytes, parse.Header]]:
        """Every entry of the table, IPv4 and IPv6, as the kernel walks its hash (not an atomic snapshot):
        (datagram, header) pairs for parse.parse_flow."""
        return self._request(parse.IPCTNL_MSG_CT_GET)

    def close(self) -> None:
        """Close the socket."""
        self._sock.sink = _ignore
        self._sock.close()
