"""Errors of the eBPF connection tracker, under scopeprobe's `ProbeError`.

`NotSupported` follows cilium/ebpf's `UnsupportedFeatureError`: missing privileges, BTF, a kernel feature or the
built object all raise it, with a one-line message the probe logs once before falling back to conntrack, then
/proc (Scope's `nilFlowWalker`). It is raised `from None`: the cause is in the message, not in a traceback.
"""

import os

from scopeprobe.errors import NotSupported, ProbeError

__all__ = ["BpfError", "NotSupported"]


class BpfError(ProbeError):
    """A libbpf call failed after the tracker started (map reads, ring buffer polls): `op` and the errno."""

    def __init__(self, op: str, errno_: int, detail: str = "") -> None:
        self.op = op
        self.errno = errno_
        super().__init__(f"{op}: {os.strerror(errno_)}" + (f" ({detail})" if detail else ""))
