"""What this kernel lets the tracker use, probed rather than assumed (cilium/ebpf's `features` package).

`probe()` checks privileges, BTF and ring buffers (without which nothing works), then each attach type by
loading and attaching the smallest possible program of that type, then each hook's target (a tracepoint in
tracefs, a `btf_trace_*` typedef, a kernel function in BTF or kallsyms). The loader picks, per hook, the first
variant whose checks all pass. `python -m scopeprobe.ebpf` prints the result.

On the project's Firecracker kernels fentry/fexit are refused with EPERM (lockdown) and kprobes do not exist
(CONFIG_KPROBES off): both probes fail cleanly and the tracepoint variants are used.
"""

import errno
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from scopeprobe.ebpf import _libbpf
from scopeprobe.ebpf.errors import NotSupported
from scopeprobe.ebpf.variants import ALL_HOOKS, Attach, Hook, Variant

TRACEFS_DIRS = (Path("/sys/kernel/tracing"), Path("/sys/kernel/debug/tracing"))
BTF_PATH = Path("/sys/kernel/btf/vmlinux")
KPROBE_PMU = Path("/sys/bus/event_source/devices/kprobe/type")
CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF = 21, 38, 39
# Tracepoints newer than the rest: the hint NotSupported gives when they are missing.
_MIN_KERNEL = {"sock/sock_send_length": "6.4", "sock/sock_recv_length": "6.4", "sock_send_length": "6.4",
               "sock_recv_length": "6.4"}


class Check(NamedTuple):
    """The outcome of one probe: ok, or why not (one line)."""

    ok: bool
    reason: str = ""


OK = Check(True)


@dataclass(frozen=True, slots=True)
class Features:
    """Everything probe() found."""

    privileges: Check
    btf: Check
    ringbuf: Check
    tracefs: Path | None
    attach: Mapping[Attach, Check]
    hooks: Mapping[str, Check]  # by program name

    def require(self) -> None:
        """Raise NotSupported if the tracker cannot run at all here."""
        for feature, check, min_kernel in (("eBPF", self.privileges, None), ("BPF CO-RE", self.btf, "5.4"),
                                           ("BPF ring buffer", self.ringbuf, "5.8")):
            if not check.ok:
                raise NotSupported(feature, check.reason, min_kernel)

    def variant(self, variant: Variant) -> Check:
        """OK if every program of `variant` can load and attach here, else the first reason why not."""
        kind = self.attach.get(variant.attach, Check(False, "not probed"))
        if not kind.ok:
            return Check(False, f"{variant.attach}: {kind.reason}")
        for hook in variant.hooks:
            check = self.hooks.get(hook.program, Check(False, "not probed"))
            if not check.ok:
                return Check(False, f"{variant.attach}: {check.reason}")
        return OK

    def summary(self) -> str:
        """A human-readable table of the checks."""
        lines = [f"{name:<12} {'ok' if c.ok else 'NO: ' + c.reason}" for name, c in
                 (("privileges", self.privileges), ("btf", self.btf), ("ringbuf", self.ringbuf))]
        lines.append(f"{'tracefs':<12} {self.tracefs or 'NO: not mounted'}")
        lines += [f"{a!s:<12} {'ok' if c.ok else 'NO: ' + c.reason}" for a, c in self.attach.items()]
        return "\n".join(lines)


def effective_caps(status: Path = Path("/proc/self/status")) -> int:
    """The CapEff bit mask of this process: "CapEff:\\t000001ffffffffff" -> 0x1ffffffffff."""
    for line in status.read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return 0


def check_privileges(caps: int) -> Check:
    """CAP_BPF and CAP_PERFMON (5.8+), or CAP_SYS_ADMIN: what loading tracing programs needs."""
    if caps & (1 << CAP_SYS_ADMIN) or (caps & (1 << CAP_BPF) and caps & (1 << CAP_PERFMON)):
        return OK
    return Check(False, "needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run the probe as root)")


def find_tracefs() -> Path | None:
    """The mounted tracefs (or debugfs's tracing directory), if any."""
    for d in TRACEFS_DIRS:
        if (d / "events").is_dir():
            return d
    return None


def mount_tracefs() -> bool:
    """Mount tracefs at /sys/kernel/tracing if no tracefs is mounted (systemd does this at boot; minimal VMs
    and containers may not). True if this call mounted it. Raises NotSupported if the mount is refused."""
    if find_tracefs() is not None:
        return False
    lib = _libbpf.lib()
    if lib.libc.mount(b"nodev", str(TRACEFS_DIRS[0]).encode(), b"tracefs", 0, lib.ffi.NULL) != 0:
        err = lib.errno()
        raise NotSupported("tracefs", f"mount -t tracefs at {TRACEFS_DIRS[0]} failed: {os.strerror(err)}") from None
    return True


def _explain(err: int) -> str:
    if err == errno.EPERM:
        lockdown = Path("/sys/kernel/security/lockdown")
        mode = ""
        if lockdown.exists():
            mode = f", lockdown: {lockdown.read_text().strip()}"
        return f"refused by the kernel (EPERM: lockdown or a security module{mode})"
    if err == 524:  # ENOTSUPP, kernel-internal: e.g. no BPF trampoline on this architecture
        return "not supported by this kernel or architecture (ENOTSUPP)"
    return f"{os.strerror(err)} (errno {err})"


class _Btf:
    """vmlinux BTF lookups through libbpf."""

    def __init__(self, lib: _libbpf.Lib) -> None:
        self.lib = lib
        self.ptr = lib.bpf.btf__load_vmlinux_btf()

    def find(self, name: str, kind: int) -> int:
        if self.ptr == self.lib.ffi.NULL:
            return -1
        return int(self.lib.bpf.btf__find_by_name_kind(self.ptr, name.encode(), kind))

    def close(self) -> None:
        if self.ptr != self.lib.ffi.NULL:
            self.lib.bpf.btf__free(self.ptr)
            self.ptr = self.lib.ffi.NULL


def _probe_tracing(lib: _libbpf.Lib, attach_type: int, btf_id: int) -> Check:
    """Load and attach the trivial program as a BTF tracing program (tp_btf or fentry) on `btf_id`."""
    ffi, bpf = lib.ffi, lib.bpf
    opts = ffi.new("struct bpf_prog_load_opts *")
    opts.sz = ffi.sizeof("struct bpf_prog_load_opts")
    opts.expected_attach_type = attach_type
    opts.attach_btf_id = btf_id
    insns = ffi.from_buffer(_libbpf.TRIVIAL_PROG)
    fd = bpf.bpf_prog_load(_libbpf.PROG_TYPE_TRACING, b"scope_probe", b"GPL", insns, 2, opts)
    if fd < 0:
        return Check(False, "load " + _explain(-fd))
    try:
        link = bpf.bpf_raw_tracepoint_open(ffi.NULL, fd)
        if link < 0:
            return Check(False, "attach " + _explain(-link))
        os.close(link)
        return OK
    finally:
        os.close(fd)


def _probe_prog_type(lib: _libbpf.Lib, prog_type: int, name: str) -> Check:
    ret = lib.bpf.libbpf_probe_bpf_prog_type(prog_type, lib.ffi.NULL)
    if ret == 1:
        return OK
    return Check(False, f"{name} programs " + ("not supported" if ret == 0 else _explain(-ret)))


def _kallsyms(names: Iterable[str]) -> set[str]:
    """Which of `names` are kernel text symbols (kprobe targets), from /proc/kallsyms."""
    wanted, found = set(names), set()
    try:
        with open("/proc/kallsyms", "rb") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[1] in (b"t", b"T") and parts[2].decode() in wanted:
                    found.add(parts[2].decode())
    except OSError:
        pass
    return found


def probe(hooks: Iterable[Hook] = ALL_HOOKS) -> Features:
    """Probe everything `hooks` need. Never raises for a missing feature: see Features.require()."""
    hooks = tuple(hooks)
    privileges = check_privileges(effective_caps())
    btf_ok = OK if BTF_PATH.is_file() else Check(False, f"no kernel BTF at {BTF_PATH} (CONFIG_DEBUG_INFO_BTF)")
    tracefs = find_tracefs()
    none = Check(False, "not probed")
    if not privileges.ok:
        return Features(privileges, btf_ok, none, tracefs, {a: none for a in Attach}, {})
    lib = _libbpf.lib()
    ret = lib.bpf.libbpf_probe_bpf_map_type(_libbpf.MAP_TYPE_RINGBUF, lib.ffi.NULL)
    ringbuf = OK if ret == 1 else Check(False, "no BPF ring buffer" if ret == 0 else _explain(-ret))
    btf = _Btf(lib)
    try:
        return _probe_with_btf(lib, btf, hooks, privileges, btf_ok, ringbuf, tracefs)
    finally:
        btf.close()


def _probe_with_btf(lib: _libbpf.Lib, btf: _Btf, hooks: tuple[Hook, ...], privileges: Check, btf_ok: Check,
                    ringbuf: Check, tracefs: Path | None) -> Features:
    attach: dict[Attach, Check] = {}
    per_hook: dict[str, Check] = {}
    by_kind: dict[Attach, list[Hook]] = {a: [h for h in hooks if h.attach is a] for a in Attach}

    # Classic tracepoints: tracefs for the ids, then the event directories.
    if tracefs is None:
        attach[Attach.TRACEPOINT] = Check(False, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)")
    else:
        attach[Attach.TRACEPOINT] = _probe_prog_type(lib, _libbpf.PROG_TYPE_TRACEPOINT, "tracepoint")
    for h in by_kind[Attach.TRACEPOINT]:
        exists = tracefs is not None and (tracefs / "events" / h.target / "id").is_file()
        per_hook[h.program] = OK if exists else Check(False, _missing(f"no tracepoint {h.target}", h.target))

    # tp_btf and fentry: BTF ids of the targets, then a trivial program loaded and attached on the first.
    for kind, attach_type, btf_kind, prefix in ((Attach.TP_BTF, _libbpf.TRACE_RAW_TP, _libbpf.BTF_KIND_TYPEDEF,
                                                 "btf_trace_"),
                                                (Attach.FENTRY, _libbpf.TRACE_FENTRY, _libbpf.BTF_KIND_FUNC, "")):
        ids = {h.program: btf.find(prefix + h.target, btf_kind) for h in by_kind[kind]}
        for h in by_kind[kind]:
            per_hook[h.program] = OK if ids[h.program] > 0 else Check(
                False, _missing(f"{h.target} not in the kernel's BTF", h.target))
        target = next((i for i in ids.values() if i > 0), -1)
        if not btf_ok.ok:
            attach[kind] = Check(False, btf_ok.reason)
        elif target <= 0:
            attach[kind] = Check(False, "no target in the kernel's BTF")
        else:
            attach[kind] = _probe_tracing(lib, attach_type, target)

    # kprobes: a kprobe PMU (4.17+) or the legacy kprobe_events file, then the functions in kallsyms.
    if not (KPROBE_PMU.exists() or (tracefs is not None and (tracefs / "kprobe_events").exists())):
        attach[Attach.KPROBE] = Check(False, "the kernel has no kprobes (CONFIG_KPROBES off)")
        symbols: set[str] = set()
    else:
        attach[Attach.KPROBE] = _probe_prog_type(lib, _libbpf.PROG_TYPE_KPROBE, "kprobe")
        symbols = _kallsyms(h.target for h in by_kind[Attach.KPROBE])
    for h in by_kind[Attach.KPROBE]:
        per_hook[h.program] = OK if h.target in symbols else Check(False, f"no kernel function {h.target}")
    return Features(privileges, btf_ok, ringbuf, tracefs, attach, per_hook)


def _missing(reason: str, target: str) -> str:
    need = _MIN_KERNEL.get(target)
    return f"{reason} (needs Linux >= {need})" if need else reason


def main() -> None:
    """Print what this machine supports."""
    print(probe().summary())
