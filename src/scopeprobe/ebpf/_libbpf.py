"""libbpf 1.x through cffi in ABI mode: `ffi.dlopen("libbpf.so.1")`, no compiler at install time.

Only the calls the tracker makes are declared. Pointer-returning calls return NULL and set errno, int calls
return -errno (libbpf 1.0 semantics). libbpf's log goes to this module's logger and to `Capture`, which the
loader uses to tell which program failed to load and why. va_list is declared `void *`: it is passed as a
pointer on x86-64 (an array type) and on arm64 (a composite over 16 bytes), so libc's vsnprintf can format it.
"""

import functools
import logging
import os
import re
from typing import Any

from scopeprobe.ebpf.errors import NotSupported
from scopeprobe.ebpf.events import ffi

log = logging.getLogger(__name__)

CDEF = """
struct bpf_object; struct bpf_program; struct bpf_map; struct bpf_link; struct ring_buffer; struct btf;

typedef int (*libbpf_print_fn_t)(int level, const char *fmt, void *args);
typedef int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size);

struct bpf_prog_load_opts {
    size_t sz; int attempts; int expected_attach_type; __u32 prog_btf_fd; __u32 prog_flags; __u32 prog_ifindex;
    __u32 kern_version; __u32 attach_btf_id; __u32 attach_prog_fd; __u32 attach_btf_obj_fd;
};
/* prefixes of the uapi's struct bpf_link_info and struct bpf_prog_info (append-only: a prefix is valid) */
struct scope_link_info { __u32 type; __u32 id; __u32 prog_id; __u32 _pad; };
struct scope_prog_info { __u8 _head[192]; __u64 run_time_ns; __u64 run_cnt; __u64 recursion_misses; };

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);
struct bpf_object *bpf_object__open_file(const char *path, const void *opts);
int bpf_object__load(struct bpf_object *obj);
void bpf_object__close(struct bpf_object *obj);
struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj, const char *name);
struct bpf_program *bpf_object__next_program(const struct bpf_object *obj, struct bpf_program *prog);
const char *bpf_program__name(const struct bpf_program *prog);
int bpf_program__set_autoload(struct bpf_program *prog, _Bool autoload);
struct bpf_link *bpf_program__attach(const struct bpf_program *prog);
int bpf_link__fd(const struct bpf_link *link);
int bpf_link__destroy(struct bpf_link *link);
struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name);
int bpf_map__fd(const struct bpf_map *map);
int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries);
int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size);
void *bpf_map__initial_value(struct bpf_map *map, size_t *psize);
int bpf_map_get_next_key(int fd, const void *key, void *next_key);
int bpf_map_lookup_elem(int fd, const void *key, void *value);
int bpf_map_delete_elem(int fd, const void *key);
int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                                    __u32 *count, const void *opts);
int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len);
int bpf_enable_stats(int type);
int bpf_program__fd(const struct bpf_program *prog);
int bpf_prog_load(int prog_type, const char *prog_name, const char *license, const void *insns, size_t insn_cnt,
                  const struct bpf_prog_load_opts *opts);
int bpf_raw_tracepoint_open(const char *name, int prog_fd);
int libbpf_probe_bpf_prog_type(int prog_type, const void *opts);
int libbpf_probe_bpf_map_type(int map_type, const void *opts);
struct btf *btf__load_vmlinux_btf(void);
void btf__free(struct btf *btf);
int btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind);
struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx, const void *opts);
int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms);
int ring_buffer__consume(struct ring_buffer *rb);
int ring_buffer__epoll_fd(const struct ring_buffer *rb);
void ring_buffer__free(struct ring_buffer *rb);

int vsnprintf(char *str, size_t size, const char *format, void *ap);
long syscall(long number, ...);
int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data);
"""

# uapi constants (include/uapi/linux/bpf.h, btf.h)
PROG_TYPE_KPROBE = 2
PROG_TYPE_TRACEPOINT = 5
PROG_TYPE_TRACING = 26
MAP_TYPE_RINGBUF = 27
TRACE_RAW_TP = 23
TRACE_FENTRY = 24
BTF_KIND_TYPEDEF = 8
BTF_KIND_FUNC = 12
BPF_STATS_RUN_TIME = 0

# "r0 = 0; exit": the smallest valid program, for attach-type probes. The opcode is the first byte of each
# 8-byte instruction and every other field is zero, so these bytes are right on either endianness.
TRIVIAL_PROG = b"\xb7" + b"\0" * 7 + b"\x95" + b"\0" * 7

_MEMBARRIER = {"x86_64": 324, "aarch64": 283, "riscv64": 283, "ppc64le": 365, "s390x": 356}
MEMBARRIER_CMD_GLOBAL = 1
_LOG_LINE = 1 << 20  # one libbpf message: a whole verifier log, whose last lines say what was refused


class Lib:
    """libbpf and libc, loaded once."""

    def __init__(self) -> None:
        self.ffi = ffi()
        self.ffi.cdef(CDEF)
        try:
            self.bpf = self.ffi.dlopen("libbpf.so.1")
        except OSError as e:
            raise NotSupported("eBPF tracker", f"libbpf.so.1 not found ({e}); install libbpf1") from None
        self.libc = self.ffi.dlopen(None)
        self.capture: list[str] = []
        # not zeroed: its pages cost no memory until a message is written into them
        self._buf = self.ffi.new_allocator(should_clear_after_alloc=False)("char[]", _LOG_LINE)
        self._print = self.ffi.callback("libbpf_print_fn_t", self._on_print)  # kept alive: libbpf holds it
        self.bpf.libbpf_set_print(self._print)

    def _on_print(self, level: int, fmt: Any, args: Any) -> int:
        n = self.libc.vsnprintf(self._buf, _LOG_LINE, fmt, args)
        if n > 0:
            msg = self.ffi.string(self._buf).decode(errors="replace").rstrip()
            self.capture.append(msg)
            if len(self.capture) > 2000:  # a verifier log can be huge; keep the newest
                del self.capture[:1000]
            log.debug("%s", msg)
        return 0

    def errno(self) -> int:
        """The errno of the last call (cffi saves it around each call)."""
        return int(self.ffi.errno) or 0

    def membarrier_global(self) -> bool:
        """Wait for an RCU grace period (MEMBARRIER_CMD_GLOBAL calls synchronize_rcu): every BPF program that
        started before has returned. False where unavailable (nohz_full kernels, seccomp, unknown arch)."""
        nr = _MEMBARRIER.get(os.uname().machine)
        if nr is None:
            return False
        cast = self.ffi.cast  # variadic: cffi needs every argument typed
        return bool(self.libc.syscall(cast("long", nr), cast("int", MEMBARRIER_CMD_GLOBAL), cast("int", 0)) == 0)


@functools.cache
def lib() -> Lib:
    """The loaded libraries (raises NotSupported without libbpf.so.1)."""
    return Lib()


_FAILED_PROG = re.compile(r"prog '([A-Za-z0-9_]+)': (?:BPF program load failed|failed to load|failed to attach|"
                          r"failed to find kernel BTF type ID|failed to resolve CO-RE relocation)")


def failed_programs(messages: list[str]) -> list[str]:
    """Names of programs libbpf reported failing to load or attach, in order, e.g. from
    "libbpf: prog 'fexit_accept': BPF program load failed: Operation not permitted" -> ["fexit_accept"]."""
    out: list[str] = []
    for m in messages:
        match = _FAILED_PROG.search(m)
        if match and match.group(1) not in out:
            out.append(match.group(1))
    return out


def first_error(messages: list[str]) -> str:
    """The most telling line of a libbpf log: the first error naming a program, else the last line."""
    for m in messages:
        if _FAILED_PROG.search(m):
            return m.removeprefix("libbpf: ")
    return messages[-1].removeprefix("libbpf: ") if messages else "no message from libbpf"
