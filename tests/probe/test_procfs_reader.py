"""The process walker: golden records from the captured tree, CPU % between walks, the cmdline cache, vanished
pids (fixture and live), and a live walk checked against ps."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from procfixture import CLIENT, FIXTURE, NETNS, SERVER, USERS, ZOMBIE, TcpPair, set_stat_fields

from scopeprobe.errors import NoSuchProcess, ParseError
from scopeprobe.procfs.reader import ProcessWalker, fd_dir_size_is_count
from scopeprobe.procfs.records import RLIM_INFINITY, Process

BOOT = 1796420167


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def walker(root: Path = FIXTURE, clock: Clock | None = None) -> ProcessWalker:
    return ProcessWalker(
        root, user_name=USERS, page_size=4096, clock_ticks=100, clock=clock or Clock(), fd_count_from_size=False
    )


@pytest.mark.unit
def test_walk_of_the_fixture() -> None:
    snap = walker().walk()
    assert [p.pid for p in snap.processes] == [SERVER, ZOMBIE, CLIENT]
    assert (snap.ncpu, snap.cpu_max, snap.boot_time, snap.denied) == (2, 200.0, BOOT, ())
    server, zombie, client = snap.processes
    assert server._replace(cmdline="") == Process(
        pid=SERVER,
        ppid=13980,
        name="/usr/bin/python3",
        cmdline="",
        comm="srv (test) x",
        state="S",
        threads=1,
        uid=0,
        user="root",
        cwd="/tmp",
        start_ticks=144458,
        start_time=BOOT + 1444.58,
        jiffies=1,
        rss_bytes=2420 * 4096,
        vsz_bytes=14557184,
        rss_limit_bytes=RLIM_INFINITY,
        open_files=8,
        open_files_limit=20000,
        cpu_percent=None,
        netns=NETNS,
    )
    assert server.cmdline.startswith("/usr/bin/python3 -c \nimport os, socket") and server.cmdline.endswith(" 47123")
    # A zombie keeps stat, status and cmdline (empty) but has no fds, cwd or namespace: None, and not "denied".
    assert (zombie.state, zombie.name, zombie.cwd, zombie.netns, zombie.open_files) == (
        "Z",
        "[srv (test) x]",
        None,
        None,
        0,
    )
    assert (client.uid, client.user, client.cwd, client.open_files, client.netns) == (65534, "nobody", "/", 6, NETNS)


@pytest.mark.unit
def test_cpu_percent_from_two_walks(proc_copy: Path) -> None:
    w = walker(proc_copy)
    assert all(p.cpu_percent is None for p in w.walk().processes)
    # One second later on 2 CPUs: 200 ticks in all. The server used 50 (half a CPU), the client none.
    set_stat_fields(proc_copy / str(SERVER) / "stat", {14: 1 + 30, 15: 0 + 20})
    stat = proc_copy / "stat"
    stat.write_text(stat.read_text().replace("cpu  144004 0 13626 130274", "cpu  144104 0 13626 130374", 1))
    # A process born between the walks (starttime after the first walk's uptime) counts from zero.
    shutil.copytree(proc_copy / str(CLIENT), proc_copy / "14000", symlinks=True)
    set_stat_fields(proc_copy / "14000" / "stat", {22: 144500, 14: 10, 15: 5})
    cpu = {p.pid: p.cpu_percent for p in w.walk().processes}
    assert cpu == {SERVER: 50.0, ZOMBIE: 0.0, CLIENT: 0.0, 14000: 15.0}


@pytest.mark.unit
def test_cmdline_is_cached_for_the_ttl_by_pid_and_starttime(proc_copy: Path) -> None:
    clock = Clock()
    w = walker(proc_copy, clock)
    assert w.walk().processes[2].name == "/usr/bin/python3"
    cmdline = proc_copy / str(CLIENT) / "cmdline"
    cmdline.write_bytes(b"renamed\x00--flag\x00")
    clock.now += 59
    assert w.walk().processes[2].cmdline.startswith("/usr/bin/python3")  # cached
    clock.now += 1
    assert w.walk().processes[2].cmdline == "renamed --flag"  # 60 s: read again
    # The same pid with another starttime is another process: never its predecessor's command line.
    cmdline.write_bytes(b"reused\x00")
    set_stat_fields(proc_copy / str(CLIENT) / "stat", {22: 150000})
    assert w.walk().processes[2].cmdline == "reused"


@pytest.mark.unit
def test_uid_is_reread_when_the_owner_changes(proc_copy: Path) -> None:
    w = walker(proc_copy)
    status = proc_copy / str(SERVER) / "status"
    assert w.walk().processes[0].user == "root"
    status.write_text(status.read_text().replace("Uid:\t0\t0\t0\t0", "Uid:\t65534\t65534\t65534\t65534"))
    assert w.walk().processes[0].user == "root"  # cached: /proc/<pid> still has the same owner
    if os.geteuid() == 0:  # a setuid() shows as a new owner of /proc/<pid>
        os.chown(proc_copy / str(SERVER), 65534, -1)
        assert w.walk().processes[0].user == "nobody"


@pytest.mark.unit
def test_vanished_pids_are_skipped(proc_copy: Path) -> None:
    (proc_copy / "424242").mkdir()  # listed by listdir, its files gone by the time they are read
    snap = walker(proc_copy).walk()
    assert [p.pid for p in snap.processes] == [SERVER, ZOMBIE, CLIENT] and snap.denied == ()

    class Racing(ProcessWalker):
        def pids(self) -> list[int]:
            return [*super().pids(), 515151]  # exited between listdir and open

    racing = Racing(proc_copy, user_name=USERS, fd_count_from_size=False)
    assert [p.pid for p in racing.walk().processes] == [SERVER, ZOMBIE, CLIENT]
    with pytest.raises(NoSuchProcess) as e:
        walker(proc_copy).read(515151)
    assert e.value.pid == 515151


@pytest.mark.unit
def test_a_malformed_stat_names_its_file(proc_copy: Path) -> None:
    (proc_copy / str(CLIENT) / "stat").write_text("13983 (python3) S 13980\n")
    with pytest.raises(ParseError) as e:
        walker(proc_copy).walk()
    assert (e.value.path, e.value.line) == (f"{proc_copy}/{CLIENT}/stat", 1)


def test_live_vanished_process() -> None:
    proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", "pass"])
    proc.wait()  # reaped: its pid is free
    with pytest.raises(NoSuchProcess):
        ProcessWalker().read(proc.pid)


def test_live_walk_matches_ps(tcp_pair: TcpPair) -> None:
    w = ProcessWalker()
    first = w.walk()
    with subprocess.Popen(["ps", "-e", "-o", "pid="], stdout=subprocess.PIPE, text=True) as ps:
        out, _ = ps.communicate()
    after = {p.pid for p in ProcessWalker().walk().processes}
    ps_pids = {int(line) for line in out.split()} - {ps.pid}
    before = {p.pid for p in first.processes}
    # Processes come and go between the walks and ps: a pid is missing only if ps saw it and neither walk did,
    # or extra if both walks saw it and ps did not.
    missing, extra = ps_pids - before - after, (before & after) - ps_pids
    assert len(missing) + len(extra) <= 3, f"missing {sorted(missing)}, extra {sorted(extra)}"
    assert len(before) >= 0.9 * len(ps_pids)
    me = next(p for p in first.processes if p.pid == os.getpid())
    assert me.cwd == os.getcwd() and me.uid == os.getuid() and me.ppid == os.getppid()
    assert me.open_files is not None and me.open_files >= 3 and me.threads >= 1
    assert me.rss_bytes > 1 << 20 and me.vsz_bytes >= me.rss_bytes
    assert me.netns == os.stat("/proc/self/ns/net").st_ino
    second = {p.pid: p for p in w.walk().processes}
    server = second[tcp_pair.server_pid]
    assert server.cpu_percent is not None and 0.0 <= server.cpu_percent <= first.cpu_max
    assert server.name == sys.executable and server.cmdline.startswith(f"{sys.executable} -I -S -c")


def test_fd_dir_size_detection(tcp_pair: TcpPair) -> None:
    assert not fd_dir_size_is_count(FIXTURE)
    release = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    assert fd_dir_size_is_count(Path("/proc")) == (release >= (6, 2))
    if release >= (6, 2):
        # The same counts either way, for processes that are not opening files meanwhile (ours, kernel threads).
        fast = {p.pid: p.open_files for p in ProcessWalker(fd_count_from_size=True).walk().processes}
        slow = {p.pid: p.open_files for p in ProcessWalker(fd_count_from_size=False).walk().processes}
        both = fast.keys() & slow.keys()
        assert fast[tcp_pair.server_pid] == slow[tcp_pair.server_pid] == 5  # stdio, listener, accepted
        assert fast[tcp_pair.client_pid] == slow[tcp_pair.client_pid] == 4
        assert sum(fast[pid] == slow[pid] for pid in both) >= 0.8 * len(both)
