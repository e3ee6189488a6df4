"""Host information: the netlink address parser, local networks, the rate sampler on the fixture with a fake
clock, disk usage, and the live facts."""

import os
import shutil
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from procfixture import FIXTURE

from scopeprobe.errors import ParseError
from scopeprobe.hostinfo import HostSampler, interface_addresses, local_networks, read_disk_usage, read_host_facts
from scopeprobe.hostinfo.netlink import (
    IFA_ADDRESS,
    IFA_LABEL,
    IFA_LOCAL,
    NLMSG_DONE,
    NLMSG_ERROR,
    RTM_NEWADDR,
    InterfaceAddress,
    parse_addr_messages,
)


def _attr(kind: int, value: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(value), kind) + value
    return raw + b"\0" * (-len(raw) % 4)


def _message(kind: int, body: bytes) -> bytes:
    raw = struct.pack("=IHHII", 16 + len(body), kind, 2, 1, 0) + body
    return raw + b"\0" * (-len(raw) % 4)


def _newaddr(family: int, prefix: int, scope: int, index: int, *attrs: bytes) -> bytes:
    return _message(RTM_NEWADDR, struct.pack("=BBBBI", family, prefix, 0, scope, index) + b"".join(attrs))


DOCKER0 = _newaddr(
    socket.AF_INET,
    16,
    0,
    3,
    _attr(IFA_ADDRESS, socket.inet_aton("172.18.0.1")),
    _attr(IFA_LOCAL, socket.inet_aton("172.18.0.1")),
    _attr(IFA_LABEL, b"docker0\0"),
)
PPP = _newaddr(  # point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours
    socket.AF_INET,
    32,
    0,
    5,
    _attr(IFA_ADDRESS, socket.inet_aton("10.9.9.1")),
    _attr(IFA_LOCAL, socket.inet_aton("10.9.9.2")),
    _attr(IFA_LABEL, b"ppp0\0"),
)
V6 = _newaddr(socket.AF_INET6, 64, 253, 3, _attr(IFA_ADDRESS, socket.inet_pton(socket.AF_INET6, "fe80::1")))


@pytest.mark.unit
def test_netlink_parser_and_local_networks() -> None:
    addrs, done = parse_addr_messages(DOCKER0 + PPP + V6 + _message(NLMSG_DONE, b"\0" * 4))
    assert done
    assert addrs == [
        InterfaceAddress(3, "docker0", socket.AF_INET, "172.18.0.1", 16, 0),
        InterfaceAddress(5, "ppp0", socket.AF_INET, "10.9.9.2", 32, 0),
        InterfaceAddress(3, None, socket.AF_INET6, "fe80::1", 64, 253),
    ]
    assert local_networks(addrs) == ("10.9.9.2/32", "172.18.0.1/16")  # Scope: IPv4 only, "ip/prefix"
    assert local_networks(addrs, ipv6=True)[-1] == "fe80::1/64"
    assert parse_addr_messages(DOCKER0) == (addrs[:1], False)  # more to come in the next recv


@pytest.mark.unit
def test_netlink_parser_errors_name_the_message() -> None:
    with pytest.raises(ParseError) as e:
        parse_addr_messages(DOCKER0 + PPP[:-8] + struct.pack("=I", 999))
    assert e.value.line == 2
    with pytest.raises(ParseError) as e:
        parse_addr_messages(DOCKER0 + _message(NLMSG_ERROR, struct.pack("=i", -1)))
    assert (e.value.line, e.value.reason) == (2, "netlink error -1")


def test_live_addresses_match_ip() -> None:
    addrs = interface_addresses()
    assert ("127.0.0.1", 8) in {(a.address, a.prefixlen) for a in addrs}
    if shutil.which("ip") is None:
        pytest.skip("iproute2's ip is not installed")
    out = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    theirs = {line.split()[3] for line in out.splitlines()}
    assert {a.cidr for a in addrs} == theirs


def test_live_facts() -> None:
    facts = read_host_facts()
    uname = os.uname()
    assert (facts.hostname, facts.os, facts.machine) == (socket.gethostname(), "linux", uname.machine)
    assert facts.kernel == f"{uname.release} {uname.version}"
    assert 1 <= facts.cpu_count <= (os.cpu_count() or 1)
    assert facts.mem_total_bytes > 1 << 26 and facts.uptime_seconds > 0
    assert "127.0.0.1/8" in facts.local_networks


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _bump(path: Path, key: str, index: int, delta: int) -> None:
    """Add delta to the index-th whitespace field of the lines whose fields start with those of key."""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        fields = line.split()
        if fields[: len(key.split())] == key.split():
            fields[index] = str(int(fields[index]) + delta)
            lines[i] = " ".join(fields)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.unit
def test_sampler_rates_with_a_fake_clock(proc_copy: Path, tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    (sys_root / "block" / "vda").mkdir(parents=True)  # vda is a whole disk; vda1 (below) a partition
    diskstats = proc_copy / "diskstats"
    diskstats.write_text(diskstats.read_text() + " 254       1 vda1 10 0 80 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n")
    clock = Clock()
    sampler = HostSampler(proc_copy, sys_root=sys_root, clock=clock)
    first = sampler.sample()
    assert (first.cpu_percent, first.net, first.disks) == (None, (), ())
    assert first.memory.used == (24683792 - 23275368 - 19148 - 839900) * 1024 and first.load.load1 == 2.35
    clock.now += 2.0
    _bump(proc_copy / "stat", "cpu ", 1, 30)  # user +30
    _bump(proc_copy / "stat", "cpu ", 4, 70)  # idle +70: 30% busy
    dev = proc_copy / str(os.readlink(proc_copy / "self")) / "net" / "dev"
    _bump(dev, "eth0:", 1, 1000)  # rx bytes: the counters follow "eth0:" as one field here
    _bump(dev, "eth0:", 9, 4000)  # tx bytes
    _bump(dev, "lo:", 1, -10)  # lo's counters went backwards (re-created): no rate for it
    _bump(diskstats, "254 0 vda", 5, 8)  # 8 sectors read
    _bump(diskstats, "254 0 vda", 12, 500)  # 500 ms of I/O in 2 s
    second = sampler.sample()
    assert second.cpu_percent == pytest.approx(30.0)
    nets = {n.name: n for n in second.net}
    assert "lo" not in nets and nets["eth0"].rx_bytes_per_s == 500.0 and nets["eth0"].tx_bytes_per_s == 2000.0
    assert second.net_rx_bytes_per_s == 500.0 and second.net_tx_bytes_per_s == 2000.0
    disks = {d.name: d for d in second.disks}
    assert disks["vda"].read_bytes_per_s == 2048.0 and disks["vda"].busy_percent == 25.0
    assert disks["vda"].whole_disk and not disks["vda1"].whole_disk
    assert second.disk_read_bytes_per_s == 2048.0 and second.disk_write_bytes_per_s == 0.0


@pytest.mark.unit
def test_disk_usage_from_the_fixture_mounts() -> None:
    usage = read_disk_usage(FIXTURE, host_root=Path("/"))
    assert [(u.mount_point, u.device, u.fstype) for u in usage] == [("/", "/dev/vda", "ext4")]
    assert usage[0].total_bytes >= usage[0].used_bytes + usage[0].free_bytes > 0


def test_live_disk_usage_matches_statvfs() -> None:
    root = next(u for u in read_disk_usage() if u.mount_point == "/")
    st = os.statvfs("/")
    assert root.total_bytes == st.f_blocks * st.f_frsize
    assert 0.0 <= root.used_percent <= 100.0
