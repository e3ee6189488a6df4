"""Interface addresses from the kernel over rtnetlink (RTM_GETADDR), and Scope's local networks from them.

A dozen lines of netlink instead of a dependency: SIOCGIFCONF shows one IPv4 address per label and no IPv6, and
/proc/net has no IPv4 address table. The parser is pure (bytes in, records out); `interface_addresses` does the
I/O. Both see the probe's own network namespace, which is the host's when it runs with hostNetwork (as Scope's).
"""

import socket
import struct
from collections.abc import Iterable
from typing import NamedTuple

from scopeprobe.errors import ParseError

# include/uapi/linux/netlink.h, rtnetlink.h, if_addr.h
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWADDR, RTM_GETADDR = 20, 22
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL = 1, 2, 3
NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index
RTATTR = struct.Struct("=HH")  # len, type


class InterfaceAddress(NamedTuple):
    """One address of one interface."""

    ifindex: int
    label: str | None  # IFA_LABEL ("eth0", "eth0:1"); IPv6 addresses have none
    family: int  # socket.AF_INET or socket.AF_INET6
    address: str
    prefixlen: int
    scope: int  # RT_SCOPE_*: 0 universe, 253 link, 254 host

    @property
    def cidr(self) -> str:
        """The address with its prefix length, as Scope's local_networks holds it: "172.18.0.1/16"."""
        return f"{self.address}/{self.prefixlen}"


def _align(n: int) -> int:
    return (n + 3) & ~3


def parse_addr_messages(data: bytes, path: str = "netlink:RTM_GETADDR") -> tuple[list[InterfaceAddress], bool]:
    """The RTM_NEWADDR messages of one recv() of a dump, and whether NLMSG_DONE ended it.

    IPv4 keeps its own address in IFA_LOCAL (IFA_ADDRESS is the peer on point-to-point links); IPv6 has only
    IFA_ADDRESS. The "line" of a ParseError is the message's index in the buffer, from 1.
    """
    out: list[InterfaceAddress] = []
    offset, index = 0, 0
    while offset + NLMSGHDR.size <= len(data):
        index += 1
        length, kind, _, _, _ = NLMSGHDR.unpack_from(data, offset)
        if length < NLMSGHDR.size or offset + length > len(data):
            raise ParseError(path, index, f"message length {length} at offset {offset}")
        body = data[offset + NLMSGHDR.size : offset + length]
        offset += _align(length)
        if kind == NLMSG_DONE:
            return out, True
        if kind == NLMSG_ERROR:
            code = struct.unpack_from("=i", body)[0] if len(body) >= 4 else 0
            raise ParseError(path, index, f"netlink error {code}")
        if kind != RTM_NEWADDR:
            continue
        if len(body) < IFADDRMSG.size:
            raise ParseError(path, index, "short ifaddrmsg")
        family, prefixlen, _, scope, ifindex = IFADDRMSG.unpack_from(body)
        attrs: dict[int, bytes] = {}
        at = IFADDRMSG.size
        while at + RTATTR.size <= len(body):
            alen, atype = RTATTR.unpack_from(body, at)
            if alen < RTATTR.size or at + alen > len(body):
                raise ParseError(path, index, f"attribute length {alen}")
            attrs[atype] = body[at + RTATTR.size : at + alen]
            at += _align(alen)
        raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
        if raw is None or family not in (socket.AF_INET, socket.AF_INET6):
            continue
        label = attrs.get(IFA_LABEL)
        out.append(
            InterfaceAddress(
                ifindex=ifindex,
                label=label.rstrip(b"\0").decode("utf-8", "replace") if label else None,
                family=int(family),
                address=socket.inet_ntop(family, raw),
                prefixlen=prefixlen,
                scope=scope,
            )
        )
    return out, False


def interface_addresses() -> list[InterfaceAddress]:
    """Every address of every interface in the probe's network namespace (one RTM_GETADDR dump)."""
    # One request per fresh socket, so any sequence number will do.
    request = NLMSGHDR.pack(NLMSGHDR.size + IFADDRMSG.size, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    request += IFADDRMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
    out: list[InterfaceAddress] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.NETLINK_ROUTE) as sock:
        sock.bind((0, 0))
        sock.sendall(request)
        done = False
        while not done:
            addrs, done = parse_addr_messages(sock.recv(65536))
            out.extend(addrs)
    return out


def interface_name(addr: InterfaceAddress) -> str:
    """The interface's name: its label, or if_indextoname (IPv6), or the index if it is gone already."""
    if addr.label:
        return addr.label.split(":")[0]
    try:
        return socket.if_indextoname(addr.ifindex)
    except OSError:
        return str(addr.ifindex)


def local_networks(addrs: Iterable[InterfaceAddress], ipv6: bool = False) -> tuple[str, ...]:
    """Scope's host `local_networks`: each interface address with its prefix ("172.18.0.1/16"), IPv4 only as in
    Scope's report.GetLocalNetworks (loopback included), sorted and without duplicates."""
    families = (socket.AF_INET, socket.AF_INET6) if ipv6 else (socket.AF_INET,)
    return tuple(sorted({a.cidr for a in addrs if a.family in families}))
