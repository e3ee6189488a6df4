"""scope_tcp.bpf.o through libbpf: open, configure, load one variant per slot, attach; then map access.

Feature probes choose the variants, but the kernel has the last word: if a chosen variant still fails to load
(a helper too new, a CO-RE relocation that does not resolve) or to attach, it is excluded and the object is
opened again with the next one. That costs one more open and load, at start only.
"""

import logging
import mmap
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from scopeprobe.ebpf import _libbpf
from scopeprobe.ebpf.errors import NotSupported
from scopeprobe.ebpf.features import Features
from scopeprobe.ebpf.variants import SLOTS, Attach, Slot, Variant

log = logging.getLogger(__name__)


class Link(NamedTuple):
    """One attached program, and what identifies its attachment while it lasts."""

    program: str
    ptr: Any  # struct bpf_link *
    fd: int
    prog_fd: int
    link_id: int | None  # the kernel's BPF link id; None for perf-event fds of kernels before 5.15
    fd_target: str  # readlink of /proc/self/fd/<fd> at attach time


def choose(features: Features, order: Sequence[Attach] | None,
           excluded: frozenset[tuple[str, Attach]]) -> dict[str, Variant]:
    """The variant to load per slot: the first, in `order` (default: each slot's own), that the features
    allow and that has not failed already. Optional slots without one are left out; a required slot
    without one raises NotSupported naming every variant's reason."""
    choice: dict[str, Variant] = {}
    for slot in SLOTS:
        reasons = []
        for variant in _ordered(slot, order):
            check = features.variant(variant)
            if (slot.name, variant.attach) in excluded:
                reasons.append(f"{variant.attach}: failed to load or attach")
            elif not check.ok:
                reasons.append(check.reason)
            else:
                choice[slot.name] = variant
                break
        else:
            allowed = ", ".join(order or ())
            why = "; ".join(reasons) or f"no {slot.name} program attaches as {allowed}"
            if slot.required:
                raise NotSupported(f"TCP {slot.name} tracking", why)
            log.info("eBPF tracker: no %s hook (%s)", slot.name, why)
    return choice


def _ordered(slot: Slot, order: Sequence[Attach] | None) -> list[Variant]:
    if order is None:
        return list(slot.variants)
    rank = {a: i for i, a in enumerate(order)}
    return sorted((v for v in slot.variants if v.attach in rank), key=lambda v: rank[v.attach])


class BpfObject:
    """A loaded and attached scope_tcp.bpf.o. Close it to detach everything (links first, then the object)."""

    def __init__(self, path: Path, config: bytes, max_entries: Mapping[str, int], features: Features,
                 order: Sequence[Attach] | None = None) -> None:
        self.lib = _libbpf.lib()
        self.path = path
        self.obj: Any = self.lib.ffi.NULL
        self.links: list[Link] = []
        self._mmaps: list[tuple[Any, mmap.mmap]] = []
        self.choice: dict[str, Variant] = {}
        excluded: set[tuple[str, Attach]] = set()
        for _ in range(1 + sum(len(s.variants) for s in SLOTS)):  # every failure excludes one more variant
            self.choice = choose(features, order, frozenset(excluded))
            failed = self._try_load(config, max_entries)
            if not failed:
                return
            for slot, variant in self.choice.items():
                if any(h.program in failed for h in variant.hooks):
                    log.info("eBPF tracker: %s via %s failed, trying the next variant", slot, variant.attach)
                    excluded.add((slot, variant.attach))
        raise NotSupported("eBPF tracker", "no combination of hooks loads on this kernel")

    def _try_load(self, config: bytes, max_entries: Mapping[str, int]) -> set[str]:
        """Open, configure, load and attach the chosen variants. The programs that failed (the object is
        closed again), or an empty set on success. Raises NotSupported for failures no variant explains."""
        lib, ffi, bpf = self.lib, self.lib.ffi, self.lib.bpf
        lib.capture.clear()
        self.obj = bpf.bpf_object__open_file(str(self.path).encode(), ffi.NULL)
        if self.obj == ffi.NULL:
            err = lib.errno()
            self.obj = ffi.NULL
            raise NotSupported("eBPF tracker", f"cannot open {self.path}: {os.strerror(err)}") from None
        try:
            wanted = {h.program for v in self.choice.values() for h in v.hooks}
            prog = bpf.bpf_object__next_program(self.obj, ffi.NULL)
            while prog != ffi.NULL:
                bpf.bpf_program__set_autoload(prog, ffi.string(bpf.bpf_program__name(prog)).decode() in wanted)
                prog = bpf.bpf_object__next_program(self.obj, prog)
            self._configure(config, max_entries)
            if bpf.bpf_object__load(self.obj) != 0:
                failed = set(_libbpf.failed_programs(lib.capture)) & wanted
                if not failed:
                    raise NotSupported("eBPF tracker", _libbpf.first_error(lib.capture))
                self.close()
                return failed
            for name in sorted(wanted):
                link = self._attach(name)
                if link is None:
                    self.close()
                    return {name}
                self.links.append(link)
            return set()
        except BaseException:
            self.close()
            raise

    def _configure(self, config: bytes, max_entries: Mapping[str, int]) -> None:
        ffi, bpf = self.lib.ffi, self.lib.bpf
        rodata = self.map(".rodata")
        size = ffi.new("size_t *")
        if bpf.bpf_map__initial_value(rodata, size) == ffi.NULL or size[0] != len(config):
            raise NotSupported("eBPF tracker", f"{self.path.name} does not match scope_events.h "
                                              "(its config block differs in size; rebuild with make -C bpf)")
        if bpf.bpf_map__set_initial_value(rodata, config, len(config)) != 0:
            raise NotSupported("eBPF tracker", "cannot set the config block")
        for name, entries in max_entries.items():
            if bpf.bpf_map__set_max_entries(self.map(name), entries) != 0:
                raise NotSupported("eBPF tracker", f"cannot size map {name} to {entries}")

    def _attach(self, name: str) -> Link | None:
        lib, ffi, bpf = self.lib, self.lib.ffi, self.lib.bpf
        prog = bpf.bpf_object__find_program_by_name(self.obj, name.encode())
        ptr = bpf.bpf_program__attach(prog)
        if ptr == ffi.NULL:
            log.info("eBPF tracker: attaching %s failed: %s", name, os.strerror(lib.errno()))
            return None
        fd = int(bpf.bpf_link__fd(ptr))
        return Link(name, ptr, fd, int(bpf.bpf_program__fd(prog)), self._link_id(fd), _fd_target(fd))

    def _link_id(self, fd: int) -> int | None:
        ffi = self.lib.ffi
        info = ffi.new("struct scope_link_info *")
        size = ffi.new("__u32 *", ffi.sizeof("struct scope_link_info"))
        if self.lib.bpf.bpf_obj_get_info_by_fd(fd, info, size) != 0:
            return None  # a perf event fd (kernels before 5.15 attach tracepoints without a BPF link)
        return int(info.id)

    def run_stats(self, link: Link) -> tuple[int, int]:
        """(runs, total ns) of a program: counted only while BPF run-time stats are on (run_time_stats())."""
        ffi = self.lib.ffi
        info = ffi.new("struct scope_prog_info *")
        size = ffi.new("__u32 *", ffi.sizeof("struct scope_prog_info"))
        if self.lib.bpf.bpf_obj_get_info_by_fd(link.prog_fd, info, size) != 0:
            return 0, 0
        return int(info.run_cnt), int(info.run_time_ns)

    def link_ok(self, link: Link) -> bool:
        """Whether `link` is still attached: its fd still refers to the same kernel link."""
        if _fd_target(link.fd) != link.fd_target:
            return False
        return link.link_id is None or self._link_id(link.fd) == link.link_id

    def map(self, name: str) -> Any:
        """A map of the object by name ("events", "flows0", ".rodata", ".bss"...)."""
        m = self.lib.bpf.bpf_object__find_map_by_name(self.obj, name.encode())
        if m == self.lib.ffi.NULL:
            raise NotSupported("eBPF tracker", f"{self.path.name} has no map {name} (rebuild with make -C bpf)")
        return m

    def map_fd(self, name: str) -> int:
        """The fd of a map (after load)."""
        return int(self.lib.bpf.bpf_map__fd(self.map(name)))

    def mmap(self, name: str, ctype: str) -> Any:
        """A global data section (".bss") as a pointer into the map's memory, which the programs share.

        libbpf 1.1 remaps global data into the process only for skeletons; bpf_map__initial_value() of a
        plain object is a private copy the kernel never sees. So map the map fd here (libbpf creates its
        internal maps BPF_F_MMAPABLE)."""
        ffi = self.lib.ffi
        size = ffi.sizeof(ctype)
        value_size = ffi.new("size_t *")
        if self.lib.bpf.bpf_map__initial_value(self.map(name), value_size) == ffi.NULL or value_size[0] != size:
            raise NotSupported("eBPF tracker", f"{self.path.name} does not match scope_events.h ({name} layout)")
        try:
            mm = mmap.mmap(self.map_fd(name), mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as e:
            raise NotSupported("eBPF tracker", f"cannot map {name} into memory: {e.strerror}") from None
        ptr = ffi.from_buffer(f"{ctype} *", mm)
        self._mmaps.append((ptr, mm))
        return ptr

    def close(self) -> None:
        """Detach every program, then unload the object. Idempotent."""
        bpf, ffi = self.lib.bpf, self.lib.ffi
        for ptr, mm in self._mmaps:
            ffi.release(ptr)
            mm.close()
        self._mmaps = []
        for link in self.links:
            bpf.bpf_link__destroy(link.ptr)
        self.links = []
        if self.obj != ffi.NULL:
            bpf.bpf_object__close(self.obj)
            self.obj = ffi.NULL


def _fd_target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""
