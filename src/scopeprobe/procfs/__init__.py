"""Linux /proc readers for the probe: pure parsers (`parse`), records (`records`), the process walker
(`reader`), the socket scanner (`sockets`) and their C fast paths (`native`, built from cext/).

Every reader takes `root` (default /proc): the probe's --proc-root, for a host /proc mounted in a container.
"""

from scopeprobe.procfs.native import Backend, FdScan, default_backend
from scopeprobe.procfs.reader import PROC_ROOT, ProcessWalker
from scopeprobe.procfs.records import (
    RLIM_INFINITY,
    Connection,
    Denied,
    NetSocket,
    NetworkSnapshot,
    Process,
    ProcessSnapshot,
    Proto,
    TcpState,
)
from scopeprobe.procfs.sockets import CONNECTED_STATES, SocketScanner, read_net_tables

__all__ = [
    "CONNECTED_STATES",
    "PROC_ROOT",
    "RLIM_INFINITY",
    "Backend",
    "Connection",
    "Denied",
    "FdScan",
    "NetSocket",
    "NetworkSnapshot",
    "Process",
    "ProcessSnapshot",
    "ProcessWalker",
    "Proto",
    "SocketScanner",
    "TcpState",
    "default_backend",
    "read_net_tables",
]
