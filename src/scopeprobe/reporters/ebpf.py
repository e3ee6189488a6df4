"""Endpoints, edges and per-edge L4 data from the eBPF tracker: every connection, including ones that opened and
closed between two ticks, with its pid, bytes each way, connects, failed connects and retransmits.

The edge data are samples keyed by (this probe, this tick) on the connecting endpoint's node (see
scopecore/report/edges.py), so the two ends of a loopback connection, both seen by this probe, join into one
sample rather than adding up.
"""

import time
from collections import Counter
from collections.abc import Iterable

from scopecore.report import EdgeCounts, LatestMap, Node, ReportBuilder, TopologyKind, ids
from scopeprobe.ebpf import EventType, FlowStats, TcpEvent
from scopeprobe.reporters.endpoints import endpoint_id, plain_ip

_Sock = tuple[int, str, int]  # netns, address, port of a local socket
_REMEMBER = 120.0  # seconds a socket's role (connecting or accepting side) is remembered


class EbpfEdges:
    """Turns each tick's drained events and flow stats into report nodes; remembers which side of each socket
    connected, since flow stats arrive long after the connect event."""

    def __init__(self, host_id: str, probe_id: str) -> None:
        self.host_id, self.probe_id = host_id, probe_id
        self._role: dict[_Sock, tuple[bool, float]] = {}  # socket -> (it connected, when seen)

    def add(self, builder: ReportBuilder, events: Iterable[TcpEvent], flows: Iterable[FlowStats], now: int,
            local_ips: frozenset[str] = frozenset()) -> None:
        """Add this tick's nodes."""
        clock = time.monotonic()
        host_node = ids.host(self.host_id)
        # Connections as (connecting socket, accepting socket): a loopback connection seen from both ends is one.
        opened: dict[tuple[str, str], set[tuple[str, int, str, int]]] = {}
        failed: Counter[tuple[str, str]] = Counter()
        pids: dict[str, int] = {}

        def eid(netns: int, addr: str, port: int) -> str:
            return endpoint_id(self.host_id, netns, plain_ip(addr), port, local_ips)

        for e in events:
            local, remote = eid(e.netns, e.saddr, e.sport), eid(e.netns, e.daddr, e.dport)
            if e.type is EventType.CONNECT:
                self._role[(e.netns, e.saddr, e.sport)] = (True, clock)
                opened.setdefault((local, remote), set()).add((e.saddr, e.sport, e.daddr, e.dport))
            elif e.type is EventType.ACCEPT:
                self._role[(e.netns, e.saddr, e.sport)] = (False, clock)
                opened.setdefault((remote, local), set()).add((e.daddr, e.dport, e.saddr, e.sport))
            elif e.type is EventType.FAILED:
                failed[(local, remote)] += 1
            else:
                continue
            if e.pid:
                pids[local] = e.pid
        samples: dict[tuple[str, str], EdgeCounts] = {}
        for f in flows:
            k = f.key
            if not k.dport:  # an unconnected UDP socket: the kernel hides its peer at these hooks
                continue
            local, remote = eid(k.netns, k.saddr, k.sport), eid(k.netns, k.daddr, k.dport)
            if f.pid:
                pids[local] = f.pid
            role = self._role.get((k.netns, k.saddr, k.sport))
            connected = role[0] if role is not None else k.sport > k.dport  # Scope's guess: the high port connects
            if connected:
                edge, counts = (local, remote), EdgeCounts(f.bytes_sent, f.bytes_received, 0, 0, f.retransmits)
            else:
                edge, counts = (remote, local), EdgeCounts(f.bytes_received, f.bytes_sent, 0, 0, f.retransmits)
            samples[edge] = samples[edge].join(counts) if edge in samples else counts
        for edge, conns in opened.items():
            samples[edge] = samples.get(edge, EdgeCounts())._replace(connections=len(conns))
        for edge, n in failed.items():
            samples[edge] = samples.get(edge, EdgeCounts())._replace(failed_connections=n)
        for (src, dst), counts in samples.items():
            builder.add(TopologyKind.ENDPOINT,
                        Node(src, "endpoint").with_edge_sample(dst, self.probe_id, now, counts))
            builder.add(TopologyKind.ENDPOINT, Node(dst, "endpoint"))
        for endpoint, pid in pids.items():
            builder.add(TopologyKind.ENDPOINT, Node(endpoint, "endpoint", LatestMap.of(
                {"pid": str(pid), "host_node_id": host_node}, now)))
        for sock, (_, seen) in list(self._role.items()):
            if clock - seen > _REMEMBER:
                del self._role[sock]
