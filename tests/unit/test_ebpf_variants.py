"""The tracker's variant table and selection, without a kernel: the table names programs that exist in
scope_tcp.bpf.c with the section its attach type needs, and choose() picks per hook as documented."""

import re
from pathlib import Path

import pytest

from scopeprobe.ebpf import NotSupported, _libbpf, events, features
from scopeprobe.ebpf.bpfobject import choose
from scopeprobe.ebpf.features import OK, Check, Features
from scopeprobe.ebpf.variants import ALL_HOOKS, SLOTS, Attach

pytestmark = pytest.mark.unit

SECTION_PREFIXES = {Attach.FENTRY: ("fentry", "fexit"), Attach.TP_BTF: ("tp_btf",),
                    Attach.TRACEPOINT: ("tracepoint",), Attach.KPROBE: ("kprobe", "kretprobe")}


def sections() -> dict[str, str]:
    """program name -> SEC() of bpf/scope_tcp.bpf.c."""
    source = events.find_file(events.HEADER).with_name("scope_tcp.bpf.c").read_text()
    pattern = r'SEC\("([^"]+)"\)\s*\nint\s+(?:BPF_PROG\(|BPF_KPROBE\(|BPF_KRETPROBE\()?(\w+)'
    return {name: sec for sec, name in re.findall(pattern, source)}


def test_every_hook_is_a_program_with_the_right_section() -> None:
    secs = sections()
    for hook in ALL_HOOKS:
        assert hook.program in secs, hook.program
        kind, _, target = secs[hook.program].partition("/")
        assert kind in SECTION_PREFIXES[hook.attach] and target == hook.target, hook
    assert set(secs) == {h.program for h in ALL_HOOKS}  # no program the loader would never choose


def test_slots_are_unique_and_each_variant_is_one_attach_type() -> None:
    assert len({s.name for s in SLOTS}) == len(SLOTS)
    for slot in SLOTS:
        kinds = [v.attach for v in slot.variants]
        assert len(set(kinds)) == len(kinds)
        assert all(h.attach is v.attach for v in slot.variants for h in v.hooks)
        assert Attach.TRACEPOINT in kinds  # the baseline every hook has


def world(refused: dict[Attach, str], missing: frozenset[str] = frozenset()) -> Features:
    attach = {a: Check(False, refused[a]) if a in refused else OK for a in Attach}
    hooks = {h.program: Check(False, f"no {h.target}") if h.program in missing else OK for h in ALL_HOOKS}
    return Features(OK, OK, OK, Path("/sys/kernel/tracing"), attach, hooks)


def test_choose_takes_each_slots_first_usable_variant() -> None:
    everything = choose(world({}), None, frozenset())
    assert {s: v.attach for s, v in everything.items()} == {s.name: s.variants[0].attach for s in SLOTS}
    # This project's machines: no fentry (EPERM), no kprobes.
    here = choose(world({Attach.FENTRY: "EPERM", Attach.KPROBE: "no kprobes"}), None, frozenset())
    assert {s: v.attach for s, v in here.items()} == {
        "connect": Attach.TRACEPOINT, "accept": Attach.TRACEPOINT, "state": Attach.TP_BTF,
        "destroy": Attach.TP_BTF, "bytes": Attach.TP_BTF, "retransmit": Attach.TP_BTF}


def test_choose_honours_order_and_exclusions() -> None:
    only_tp = choose(world({}), (Attach.TRACEPOINT,), frozenset())
    assert {v.attach for v in only_tp.values()} == {Attach.TRACEPOINT} and len(only_tp) == len(SLOTS)
    failed = choose(world({}), None, frozenset({("connect", Attach.FENTRY)}))
    assert failed["connect"].attach is Attach.TRACEPOINT and failed["accept"].attach is Attach.FENTRY


def test_a_missing_optional_hook_is_left_out() -> None:
    before_6_4 = frozenset({"btf_send_length", "tp_send_length"})  # no sock_send_length tracepoint
    chosen = choose(world({Attach.FENTRY: "EPERM", Attach.KPROBE: "no kprobes"}, before_6_4), None, frozenset())
    assert "bytes" not in chosen and "connect" in chosen


def test_a_missing_required_hook_raises_one_line() -> None:
    refused = {Attach.FENTRY: "load refused (EPERM)", Attach.TRACEPOINT: "tracefs is not mounted",
               Attach.KPROBE: "no kprobes"}
    with pytest.raises(NotSupported) as raised:
        choose(world(refused), None, frozenset())
    assert str(raised.value) == ("TCP connect tracking not supported: fentry: load refused (EPERM); "
                                 "tracepoint: tracefs is not mounted; kprobe: no kprobes")
    assert raised.value.feature == "TCP connect tracking"


def test_failed_programs_from_libbpf_log() -> None:
    log = ["libbpf: map 'events': created successfully, fd=5",
           "libbpf: prog 'fexit_accept': BPF program load failed: Operation not permitted",
           "libbpf: prog 'fexit_accept': -- BEGIN PROG LOAD LOG --",
           "libbpf: prog 'fexit_accept': failed to load: -1",
           "libbpf: prog 'kprobe_v4_connect': failed to attach: No such file or directory"]
    assert _libbpf.failed_programs(log) == ["fexit_accept", "kprobe_v4_connect"]
    assert _libbpf.first_error(log) == "prog 'fexit_accept': BPF program load failed: Operation not permitted"
    assert _libbpf.first_error([]) == "no message from libbpf"


@pytest.mark.parametrize(("caps", "ok"), [(0, False), (1 << 21, True), (1 << 38 | 1 << 39, True), (1 << 39, False)],
                         ids=["none", "sys_admin", "bpf+perfmon", "bpf_only"])
def test_privileges(tmp_path: Path, caps: int, ok: bool) -> None:
    status = tmp_path / "status"
    status.write_text(f"Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t{caps:016x}\n")
    assert features.effective_caps(status) == caps
    assert features.check_privileges(caps).ok is ok
