"""Errors raised by scopeprobe: a small hierarchy after psutil's (`Error`, `NoSuchProcess`, `AccessDenied`).

`OSError` is translated once, at the boundary (`from_oserror`, psutil's `wrap_exceptions`), so callers catch
these and never `errno` values.
"""

import errno


class ProbeError(Exception):
    """Base of every error scopeprobe raises on purpose."""


class ParseError(ProbeError, ValueError):
    """Malformed platform input, naming the file, the 1-based line (None: the file as a whole) and what was wrong."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {reason}")


class NoSuchProcess(ProbeError):
    """The process is gone (or its pid was never there): a normal race when walking /proc."""

    def __init__(self, pid: int, path: str = "") -> None:
        self.pid = pid
        self.path = path
        super().__init__(f"no such process: pid {pid}" + (f" ({path})" if path else ""))


class AccessDenied(ProbeError):
    """Reading a process's file was refused: normal for an unprivileged probe looking at other users' processes."""

    def __init__(self, pid: int, path: str) -> None:
        self.pid = pid
        self.path = path
        super().__init__(f"access denied: pid {pid} ({path})")


# ENOENT: the /proc/<pid> entry is gone. ESRCH: the task exited while a file of it was open (the proc_pid_*
# handlers look the task up again on every read).
_GONE = frozenset({errno.ENOENT, errno.ESRCH})
_DENIED = frozenset({errno.EACCES, errno.EPERM})


def from_oserror(e: OSError, pid: int, path: str) -> Exception:
    """The error to raise for `e`, met reading /proc/<pid>/...: NoSuchProcess, AccessDenied, or `e` itself.

    A function rather than a decorator or context manager: the per-pid hot path pays for one `try` per process.
    """
    if e.errno in _GONE:
        return NoSuchProcess(pid, path)
    if e.errno in _DENIED:
        return AccessDenied(pid, path)
    return e


class NotSupported(ProbeError):
    """A source cannot run here (cilium/ebpf's UnsupportedFeatureError): `feature` is what is missing, `reason`
    why, in one line the probe logs once before falling back (eBPF -> conntrack -> /proc, Scope's nilFlowWalker)."""

    def __init__(self, feature: str, reason: str, min_kernel: str | None = None) -> None:
        self.feature = feature
        self.reason = reason
        self.min_kernel = min_kernel
        need = f" (needs Linux >= {min_kernel})" if min_kernel else ""
        super().__init__(f"{feature} not supported: {reason}{need}")
