"""What the eBPF tracker's live tests share: why they would skip, a network namespace they create and remove by
name, and the two workload processes (a server and a client) they start inside it and kill by pid.

The workloads are small Python scripts run with `ip netns exec NAME python -c ...`, which execs in place, so
the Popen pid is the pid the kernel sees (and the tracker must report).
"""

import fcntl
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from scopeprobe.ebpf import NotSupported, Tracker, events, features

CAP_SYS_ADMIN = 21


def why_not() -> str | None:
    """Why the live tests cannot run here, or None."""
    if not features.effective_caps() & (1 << CAP_SYS_ADMIN):
        return "needs root (CAP_SYS_ADMIN: BPF tracing programs and network namespaces)"
    if not features.BTF_PATH.is_file():
        return f"needs kernel BTF ({features.BTF_PATH}: CONFIG_DEBUG_INFO_BTF)"
    try:
        events.find_file(events.OBJECT)
    except NotSupported as e:
        return f"bpf object not built: {e.reason}"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip netns)"
    return None


class Netns:
    """A network namespace this test created (lo up). Remove it with remove()."""

    def __init__(self) -> None:
        self.name = f"scope-ebpf-{uuid.uuid4().hex[:10]}"
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True, timeout=10)
        try:
            self.sh("ip", "link", "set", "lo", "up")
        except BaseException:
            self.remove()
            raise

    @property
    def inode(self) -> int:
        """The namespace's inode: what the tracker filters on and reports."""
        return os.stat(f"/var/run/netns/{self.name}").st_ino

    def sh(self, *cmd: str) -> str:
        """Run a command inside the namespace (checked, 10 s at most)."""
        done = subprocess.run(["ip", "netns", "exec", self.name, *cmd], capture_output=True, text=True,
                              timeout=10, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
        return done.stdout

    def popen(self, script: str, *args: object) -> subprocess.Popen[str]:
        """Start `python -c script args...` inside the namespace, stdout piped."""
        cmd = ["ip", "netns", "exec", self.name, sys.executable, "-c", script, *map(str, args)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def remove(self) -> None:
        """Delete the namespace by the name this object created."""
        subprocess.run(["ip", "netns", "del", self.name], check=False, capture_output=True, timeout=10)


@contextmanager
def tracefs_as_found() -> Iterator[None]:
    """Unmount tracefs on exit if it was not mounted on entry (the tracker mounts it when missing, as systemd
    does at boot)."""
    mounted_before = features.find_tracefs() is not None
    try:
        yield
    finally:
        if not mounted_before and features.find_tracefs() is not None:
            subprocess.run(["umount", str(features.TRACEFS_DIRS[0])], check=False, capture_output=True, timeout=10)


@contextmanager
def netns() -> Iterator[Netns]:
    """A fresh namespace, removed on exit."""
    ns = Netns()
    try:
        yield ns
    finally:
        ns.remove()


@contextmanager
def running(*procs: subprocess.Popen[str]) -> Iterator[None]:
    """Kill (by pid) and reap whichever of `procs` still run on exit."""
    try:
        yield
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate(timeout=10)


def read_line(proc: subprocess.Popen[str]) -> str:
    """The next stdout line of a workload, failing with its stderr if it died instead."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"workload exited {proc.returncode}: {err.strip()}")
    return line.strip()


# A TCP server: prints its port, then serves `n` connections one by one: reads exactly `req` bytes, answers
# `rep` bytes, waits for the client to close, closes. argv: family host n req rep
TCP_SERVER = """
import socket, sys
family, host, n, req, rep = int(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:6])
s = socket.socket(family, socket.SOCK_STREAM)
s.bind((host, 0)); s.listen(256)
print(s.getsockname()[1], flush=True)
reply = b"r" * rep
for _ in range(n):
    c, _ = s.accept()
    got = 0
    while got < req:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    c.sendall(reply)
    while c.recv(65536): pass
    c.close()
print("done", flush=True)
"""

# A TCP client: `n` connections one after the other: connect, send `req` bytes, read `rep` bytes, close.
# Prints how many completed and how long they took. argv: family host port n req rep
TCP_CLIENT = """
import socket, sys, time
family, host, port, n, req, rep = int(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:7])
payload = b"q" * req
t0 = time.perf_counter()
for _ in range(n):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.connect((host, port))
    c.sendall(payload)
    got = 0
    while got < rep:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    c.close()
print(n, time.perf_counter() - t0, flush=True)
"""

# A UDP server on an unconnected socket: answers each datagram of size k with one of size 2k + 1, `n` times.
UDP_SERVER = """
import socket, sys
family, host, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((host, 0))
print(s.getsockname()[1], flush=True)
for _ in range(n):
    d, addr = s.recvfrom(65536)
    s.sendto(b"u" * (2 * len(d) + 1), addr)
print("done", flush=True)
"""

# A UDP client on a connected socket: sends datagrams of the sizes given, reading each answer.
UDP_CLIENT = """
import socket, sys
family, host, port, sizes = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = socket.socket(family, socket.SOCK_DGRAM)
c.settimeout(5)
c.connect((host, port))
for k in map(int, sizes.split(",")):
    c.send(b"d" * k)
    c.recv(65536)
print(c.getsockname()[1], flush=True)
"""

# Failing connects, one per line of output: "kind port errno". A closed port (blocking and non-blocking:
# both end in SYN_SENT -> CLOSE) and unroutable addresses (fail in the syscall, before SYN_SENT).
FAILING_CLIENT = """
import errno, select, socket, sys
closed = int(sys.argv[1])
s = socket.socket(); err = s.connect_ex(("127.0.0.1", closed)); s.close()
print("refused", closed, err, flush=True)
s = socket.socket(); s.setblocking(False)
assert s.connect_ex(("127.0.0.1", closed)) == errno.EINPROGRESS
select.select([], [s], [], 5)
print("refused_nonblocking", closed, s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), flush=True); s.close()
s = socket.socket(); err = s.connect_ex(("10.9.8.7", 4242)); s.close()
print("unreachable", 4242, err, flush=True)
s = socket.socket(socket.AF_INET6); err = s.connect_ex(("fd00::7", 4343)); s.close()
print("unreachable6", 4343, err, flush=True)
"""


def _link_fds(link_ids: set[int]) -> list[int]:
    """This process's fds that are the BPF links with these ids (from /proc/self/fdinfo)."""
    out = []
    for name in os.listdir("/proc/self/fdinfo"):
        try:
            with open(f"/proc/self/fdinfo/{name}") as f:
                info = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            continue
        if info.get("link_id", "").strip().isdigit() and int(info["link_id"]) in link_ids:
            out.append(int(name))
    return out


def detach_behind_its_back(tracker: "Tracker") -> None:
    """Detach a tracker's programs as a crash or another tool would: replace every link fd (found by the kernel
    link ids the tracker publishes) with /dev/null, which drops the last reference to each link."""
    ids = {i for i in tracker.link_ids.values() if i is not None}
    fds = _link_fds(ids)
    assert len(fds) == len(ids) > 0
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in fds:
            flags = fcntl.fcntl(fd, fcntl.F_GETFD)
            os.dup2(devnull, fd, inheritable=not flags & fcntl.FD_CLOEXEC)
    finally:
        os.close(devnull)
