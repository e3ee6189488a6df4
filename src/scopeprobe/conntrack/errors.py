"""Errors of the conntrack flow source, under scopeprobe's `ProbeError`.

`NotSupported` follows cilium/ebpf's `UnsupportedFeatureError`: the probe catches it once, logs it, and falls
back to /proc (Scope's `nilFlowWalker`). It is raised from one place, `socket.translate_errors`.
"""

from scopeprobe.errors import NotSupported, ProbeError

__all__ = ["BadMessage", "NamespaceGone", "NotSupported"]


class NamespaceGone(ProbeError):
    """The network namespace to track does not exist (any more): its container exited, or a wrong name."""

    def __init__(self, netns: str) -> None:
        self.netns = netns
        super().__init__(f"network namespace not found: {netns}")


class BadMessage(ProbeError, ValueError):
    """A ctnetlink message without an attribute every conntrack entry has (both tuples, status, id)."""
