"""Which programs of scope_tcp.bpf.o implement each hook, by attach type, in order of preference.

The object holds every variant; the loader autoloads one per hook (the first one `features.probe` finds
usable) and leaves the rest unloaded. Program names are the C function names in bpf/scope_tcp.bpf.c.
"""

from enum import StrEnum
from typing import NamedTuple


class Attach(StrEnum):
    """How a program attaches to the kernel."""

    FENTRY = "fentry"  # fentry/fexit trampolines (5.5+, BTF): the cheapest; refused under kernel lockdown
    TP_BTF = "tp_btf"  # raw BTF tracepoints (5.5+): no perf record built, no tracefs needed
    TRACEPOINT = "tracepoint"  # classic tracepoints through tracefs/perf: work everywhere tracepoints exist
    KPROBE = "kprobe"  # kprobes/kretprobes: for kernels missing a tracepoint; not faster than one


class Hook(NamedTuple):
    """One program and the kernel target it attaches to."""

    program: str
    attach: Attach
    target: str  # tracepoint "category/name", tp_btf "name", or a kernel function


class Variant(NamedTuple):
    """All programs one attach type needs to implement a hook."""

    attach: Attach
    hooks: tuple[Hook, ...]


class Slot(NamedTuple):
    """One thing the tracker observes, and its variants in order of preference."""

    name: str
    required: bool  # without it the tracker cannot work; optional slots degrade (no bytes, no retransmits)
    variants: tuple[Variant, ...]


def _v(attach: Attach, *pairs: tuple[str, str]) -> Variant:
    return Variant(attach, tuple(Hook(program, attach, target) for program, target in pairs))


_BYTES_FUNCS = ("tcp_sendmsg", "tcp_recvmsg", "udp_sendmsg", "udp_recvmsg", "udpv6_sendmsg", "udpv6_recvmsg")
_BYTES_PROGS = ("tcp_sendmsg", "tcp_recvmsg", "udp_sendmsg", "udp_recvmsg", "udp6_sendmsg", "udp6_recvmsg")

SLOTS: tuple[Slot, ...] = (
    Slot("connect", True, (
        # fentry/fexit fire for TCP only and hand over the socket; the syscall tracepoints fire for every
        # connect() (unix sockets included) and resolve the fd through the task's file table.
        _v(Attach.FENTRY, ("fentry_v4_connect", "tcp_v4_connect"), ("fexit_v4_connect", "tcp_v4_connect"),
           ("fentry_v6_connect", "tcp_v6_connect"), ("fexit_v6_connect", "tcp_v6_connect")),
        _v(Attach.TRACEPOINT, ("tp_enter_connect", "syscalls/sys_enter_connect"),
           ("tp_exit_connect", "syscalls/sys_exit_connect")),
        _v(Attach.KPROBE, ("kprobe_v4_connect", "tcp_v4_connect"), ("kretprobe_v4_connect", "tcp_v4_connect"),
           ("kprobe_v6_connect", "tcp_v6_connect"), ("kretprobe_v6_connect", "tcp_v6_connect")),
    )),
    Slot("accept", True, (
        _v(Attach.FENTRY, ("fexit_accept", "inet_csk_accept")),
        _v(Attach.TRACEPOINT, ("tp_exit_accept4", "syscalls/sys_exit_accept4"),
           ("tp_exit_accept", "syscalls/sys_exit_accept")),
        _v(Attach.KPROBE, ("kretprobe_accept", "inet_csk_accept")),
    )),
    Slot("state", True, (
        _v(Attach.TP_BTF, ("btf_set_state", "inet_sock_set_state")),
        _v(Attach.TRACEPOINT, ("tp_set_state", "sock/inet_sock_set_state")),
    )),
    Slot("destroy", False, (
        _v(Attach.TP_BTF, ("btf_destroy_sock", "tcp_destroy_sock")),
        _v(Attach.TRACEPOINT, ("tp_destroy_sock", "tcp/tcp_destroy_sock")),
    )),
    Slot("bytes", False, (
        # One raw tracepoint per direction beats six trampolines where the tracepoint exists (6.4+); fexit
        # covers 5.17-6.3 (it needs bpf_get_func_arg_cnt), kprobes anything older.
        _v(Attach.TP_BTF, ("btf_send_length", "sock_send_length"), ("btf_recv_length", "sock_recv_length")),
        _v(Attach.FENTRY, *((f"fexit_{p}", f) for p, f in zip(_BYTES_PROGS, _BYTES_FUNCS, strict=True))),
        _v(Attach.TRACEPOINT, ("tp_send_length", "sock/sock_send_length"),
           ("tp_recv_length", "sock/sock_recv_length")),
        _v(Attach.KPROBE, *((f"{kind}_{p}", f) for p, f in zip(_BYTES_PROGS, _BYTES_FUNCS, strict=True)
                            for kind in ("kprobe", "kretprobe"))),
    )),
    Slot("retransmit", False, (
        _v(Attach.TP_BTF, ("btf_retransmit", "tcp_retransmit_skb")),
        _v(Attach.TRACEPOINT, ("tp_retransmit", "tcp/tcp_retransmit_skb")),
    )),
)

ALL_HOOKS: tuple[Hook, ...] = tuple(h for s in SLOTS for v in s.variants for h in v.hooks)
