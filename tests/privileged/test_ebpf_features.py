"""Feature probing and the tracker's failure modes: attach types this kernel refuses are detected and skipped
cleanly (on this project's machines fentry/fexit get EPERM and kprobes do not exist), and every way of not
being able to run raises one NotSupported with a one-line message, leaking nothing."""

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ebpf_world import tracefs_as_found, why_not

from scopeprobe.ebpf import Attach, NotSupported, Tracker, events, features, probe
from scopeprobe.ebpf.bpfobject import BpfObject
from scopeprobe.ebpf.variants import ALL_HOOKS, SLOTS

pytestmark = [pytest.mark.privileged, pytest.mark.skipif(why_not() is not None, reason=why_not() or "")]


@pytest.fixture(scope="module", autouse=True)
def _tracefs() -> Iterator[None]:
    with tracefs_as_found():
        features.mount_tracefs()
        yield


def open_fds() -> set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


def test_probe_reports_every_attach_type() -> None:
    found = probe()
    found.require()
    assert found.privileges.ok and found.btf.ok and found.ringbuf.ok and found.tracefs is not None
    assert set(found.attach) == set(Attach)
    assert found.attach[Attach.TRACEPOINT].ok  # the baseline, on any kernel with tracepoints and tracefs
    for check in found.attach.values():
        assert check.ok or (check.reason and "\n" not in check.reason)
    assert len(found.summary().splitlines()) == 4 + len(Attach)


def test_tracker_uses_only_attach_types_the_kernel_allows() -> None:
    found = probe()
    with Tracker() as tracker:
        attached = tracker.attached
        assert tracker.alive
    assert {"connect", "accept", "state"} <= set(attached)
    assert all(found.attach[kind].ok for kind in attached.values())
    if not found.attach[Attach.FENTRY].ok:  # this project's machines: connect and accept via tracepoints
        assert attached["connect"] is Attach.TRACEPOINT and attached["accept"] is Attach.TRACEPOINT


@pytest.mark.parametrize("kind", [Attach.FENTRY, Attach.KPROBE, Attach.TP_BTF])
def test_forced_attach_type_starts_or_raises_one_line(kind: Attach) -> None:
    before = open_fds()
    tracker = Tracker(attach=(kind,))
    try:
        tracker.start()
    except NotSupported as e:
        assert e.feature == "TCP connect tracking" and str(kind) in e.reason and "\n" not in str(e)
        assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__)  # no chained traceback
    else:  # a kernel that allows it (production kernels usually allow fentry and kprobes)
        assert tracker.alive and set(tracker.attached.values()) == {kind}
    finally:
        tracker.close()
    assert open_fds() == before  # nothing left behind: no program, map, link or ring buffer fd


def test_missing_object_raises_not_supported() -> None:
    before = open_fds()
    with pytest.raises(NotSupported, match=r"cannot open /nonexistent/scope_tcp\.bpf\.o") as raised:
        Tracker(object_path=Path("/nonexistent/scope_tcp.bpf.o")).start()
    assert "\n" not in str(raised.value)
    assert open_fds() == before


UNPRIVILEGED = """
from scopeprobe.ebpf import NotSupported, Tracker
try:
    Tracker().start()
except NotSupported as e:
    print(type(e).__name__, e.feature, e, sep="|")
"""


def test_unprivileged_raises_one_line_not_supported() -> None:
    # An empty capability bounding set: root keeps its files but execs with no capabilities. setpriv does it
    # rather than a preexec_fn: Python code between fork and exec aborts when gRPC threads live in this process.
    done = subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", sys.executable, "-c", UNPRIVILEGED],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "NotSupported|eBPF|eBPF not supported: needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run the probe as root)"]


def test_variants_the_kernel_refuses_after_all_fall_back() -> None:
    """Probes can be wrong: claim every attach type works, and the kernel's refusals at load (fentry: EPERM
    here) or attach (kprobes: none here) exclude those variants one by one until the object loads."""
    real = probe()
    claimed = dataclasses.replace(real, attach={a: features.OK for a in Attach},
                                  hooks={h.program: features.OK for h in ALL_HOOKS})
    order = (Attach.FENTRY, Attach.KPROBE, Attach.TRACEPOINT, Attach.TP_BTF)
    before = open_fds()
    obj = BpfObject(events.find_file(events.OBJECT), Tracker().config, {}, claimed, order)
    try:
        chosen = {slot: v.attach for slot, v in obj.choice.items()}
        assert len(obj.links) == sum(len(v.hooks) for v in obj.choice.values())
    finally:
        obj.close()
    assert open_fds() == before
    for slot, kind in chosen.items():
        for refused in (Attach.FENTRY, Attach.KPROBE):
            if not real.attach[refused].ok and any(v.attach is refused for s in SLOTS if s.name == slot
                                                   for v in s.variants):
                assert kind is not refused, slot
    assert {"connect", "accept", "state"} <= set(chosen)
