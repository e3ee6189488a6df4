"""Benchmarks of the probe's /proc readers on this machine, with and without the C extension (cext/).

- `walk`: ProcessWalker.walk(), one tick's process walk (pure Python whatever the backend; for scale).
- `scan_full`: a fresh SocketScanner with no fd budget: every namespace's tables and every process's fd links,
  what the first tick (or Scope's 10 s full pass) costs.
- `tick`: walk + scan in the steady state, fd results cached per (pid, starttime): what each 1 s tick costs.
- `tables`: read and parse one namespace's tcp, tcp6, udp and udp6 (the kernel's share is most of it).
- `parse_tcp`: parse /proc/net/tcp already read (the parser alone).
- `scan_fds`: the fd links of every process (the fd scan alone).

Each runs on the machine as it is (`idle`) and with 500 extra sleeping processes, each holding a TCP
connection to one parent (`busy`), which the bench starts and kills itself.

Run: `pytest bench/bench_procfs.py --benchmark-enable` (plain `pytest bench/bench_procfs.py` runs each once).
"""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from scopeprobe.procfs.native import PYTHON, Backend, C
from scopeprobe.procfs.reader import ProcessWalker
from scopeprobe.procfs.records import Proto
from scopeprobe.procfs.sockets import SocketScanner, read_net_tables

EXTRA = 500

# One parent listening on loopback; EXTRA forked children, each connected to it and asleep. The children die
# with the parent (PR_SET_PDEATHSIG), and the parent kills and reaps them on SIGTERM.
_SWARM = """
import ctypes, os, signal, socket, sys
n = int(sys.argv[1])
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(n)
port = listener.getsockname()[1]
children = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        c = socket.create_connection(("127.0.0.1", port))
        signal.pause()
        os._exit(0)
    children.append(pid)
accepted = [listener.accept()[0] for _ in range(n)]
def stop(*_):
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    for pid in children:
        os.waitpid(pid, 0)
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
signal.pause()
"""

BACKENDS = [pytest.param(PYTHON, id="python")]
BACKENDS.append(pytest.param(C, id="c", marks=pytest.mark.skipif(C is None, reason="C extension not built")))


@pytest.fixture(scope="module", params=["idle", "busy"])
def load(request: pytest.FixtureRequest) -> Iterator[str]:
    """The machine as it is, or with EXTRA more processes and connections (started here, stopped here)."""
    if request.param == "idle":
        yield "idle"
        return
    swarm = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _SWARM, str(EXTRA)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    try:
        assert swarm.stdout is not None and swarm.stdout.readline().strip() == b"ready"
        yield "busy"
    finally:
        swarm.send_signal(signal.SIGTERM)  # by its own handle; it kills and reaps its children
        swarm.wait(timeout=30)
        if swarm.stdout is not None:
            swarm.stdout.close()


def _run(benchmark: BenchmarkFixture, fn: Callable[[], Any], setup: Callable[[], None] | None = None) -> Any:
    if setup is None:
        return benchmark(fn)
    return benchmark.pedantic(fn, setup=setup, rounds=20, warmup_rounds=1)


def test_walk(benchmark: BenchmarkFixture, load: str) -> None:
    walker = ProcessWalker()
    walker.walk()  # the cmdline/limits cache is warm in the steady state
    snap = _run(benchmark, walker.walk)
    assert len(snap.processes) > (EXTRA if load == "busy" else 10)
    benchmark.extra_info["processes"] = len(snap.processes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scan_full(benchmark: BenchmarkFixture, load: str, backend: Backend) -> None:
    processes = ProcessWalker().walk().processes
    state: dict[str, SocketScanner] = {}

    def fresh() -> None:
        state["scanner"] = SocketScanner(fd_budget=None, backend=backend)

    snap = _run(benchmark, lambda: state["scanner"].scan(processes), setup=fresh)
    benchmark.extra_info.update(connections=len(snap.connections), fds=snap.fds_scanned)
    if load == "busy":
        assert len(snap.connections) >= 2 * EXTRA


@pytest.mark.parametrize("backend", BACKENDS)
def test_tick(benchmark: BenchmarkFixture, load: str, backend: Backend) -> None:
    walker, scanner = ProcessWalker(), SocketScanner(backend=backend)
    scanner.scan(walker.walk().processes)

    def tick() -> int:
        return len(scanner.scan(walker.walk().processes).connections)

    if load == "busy":
        for _ in range(5):  # the default budget spreads the first full pass over a few ticks
            tick()
        assert tick() >= 2 * EXTRA
    _run(benchmark, tick)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tables(benchmark: BenchmarkFixture, load: str, backend: Backend) -> None:
    sockets = _run(benchmark, lambda: read_net_tables(Path("/proc"), os.getpid(), backend))
    benchmark.extra_info["sockets"] = len(sockets)


@pytest.mark.parametrize("backend", BACKENDS)
def test_parse_tcp(benchmark: BenchmarkFixture, load: str, backend: Backend) -> None:
    data = Path("/proc/net/tcp").read_bytes()
    rows = _run(benchmark, lambda: backend.parse_net_table(data, Proto.TCP, "/proc/net/tcp"))
    benchmark.extra_info["rows"] = len(rows)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scan_fds(benchmark: BenchmarkFixture, load: str, backend: Backend) -> None:
    pids = [p.pid for p in ProcessWalker().walk().processes]
    scans = _run(benchmark, lambda: backend.scan_fds(Path("/proc"), pids))
    benchmark.extra_info["fds"] = sum(s.nfds for s in scans)
