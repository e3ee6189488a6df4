"""Constants and helpers of the probe's procfs tests: the captured /proc tree and live processes.

Test modules import from here, not from conftest.py (tests/conftest.py has the same module name).
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "proc"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
# git keeps no empty directories, and a zombie's fd/ and ns/ are empty: recreate them in a fresh clone.
for _empty in ("fd", "ns"):
    (FIXTURE / str(MANIFEST["pids"]["zombie"]) / _empty).mkdir(exist_ok=True)
SERVER: int = MANIFEST["pids"]["server"]
CLIENT: int = MANIFEST["pids"]["client"]
ZOMBIE: int = MANIFEST["pids"]["zombie"]
NETNS = 4026531833  # the captured processes' network namespace (their ns/net links)
USERS = {0: "root", 65534: "nobody"}.get

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (to read other users' processes, setuid)")

# The live processes: -I -S start Python in ~10 ms; each prints a line once its sockets exist, then sleeps.
_SERVER = """
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
print("accepted", flush=True)
time.sleep(600)
"""
_CLIENT = """
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(c.getsockname()[1], flush=True)
time.sleep(600)
"""


class TcpPair(NamedTuple):
    """A live server and client connected over loopback, owned by the test."""

    server_pid: int
    client_pid: int
    server_port: int
    client_port: int


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", script, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()  # by its own handle: only what the test started
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@contextmanager
def tcp_pair() -> Iterator[TcpPair]:
    """A TCP server and client on 127.0.0.1, connected; both killed afterwards."""
    server = _start(_SERVER)
    client = None
    try:
        assert server.stdout is not None
        server_port = int(server.stdout.readline())
        client = _start(_CLIENT, str(server_port))
        assert client.stdout is not None
        client_port = int(client.stdout.readline())
        assert server.stdout.readline().strip() == "accepted"
        yield TcpPair(server.pid, client.pid, server_port, client_port)
    finally:
        for proc in (client, server):
            if proc is not None:
                _stop(proc)


def copy_fixture(dest: Path) -> Path:
    """A writable copy of the fixture tree at dest (symlinks kept as symlinks), to edit for one test."""
    shutil.copytree(FIXTURE, dest, symlinks=True)
    return dest


def set_stat_fields(path: Path, changes: dict[int, int]) -> None:
    """Rewrite fields of a /proc/<pid>/stat file, numbered as in proc(5) (state is 3, utime 14)."""
    data = path.read_text()
    head, _, tail = data.rpartition(")")
    fields = tail.split()
    for number, value in changes.items():
        fields[number - 3] = str(value)
    path.write_text(f"{head}) {' '.join(fields)}\n")
