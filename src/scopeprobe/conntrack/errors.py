"""Errors of the conntrack flow source, under scopeprobe's `ProbeError`.

`NotSupported` follows cilium/ebpf's `UnsupportedFeatureError`: the probe catches it once, logs it, and falls
back to /proc (Scope's `nilFlowWalker`). It is raised from one place, `socket.translate_errors`.
"""

from scopeprobe.errors import ProbeError


class NotSupported(ProbeError):
    """conntrack cannot be used here: no CAP_NET_ADMIN, no nfnetlink/ctnetlink in the kernel, events disabled."""

    def __init__(self, feature: str, reason: str, min_kernel: str | None = None) -> None:
        self.feature = feature
        self.reason = reason
        self.min_kernel = min_kernel
        need = f" (needs Linux >= {min_kernel})" if min_kernel else ""
        super().__init__(f"{feature} not supported: {reason}{need}")


class NamespaceGone(ProbeError):
    """The network namespace to track does not exist (any more): its container exited, or a wrong name."""

    def __init__(self, netns: str) -> None:
        self.netns = netns
        super().__init__(f"network namespace not found: {netns}")


class BadMessage(ProbeError, ValueError):
    """A ctnetlink message without an attribute every conntrack entry has (both tuples, status, id)."""
