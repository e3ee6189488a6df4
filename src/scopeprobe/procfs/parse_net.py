"""Parsers of /proc/net tables: tcp, tcp6, udp, udp6 (the pure-Python twin of cext/scopeproc.c) and dev."""

import socket
import struct
import sys

from scopeprobe.errors import ParseError
from scopeprobe.procfs._text import fields, number, text
from scopeprobe.procfs.records import NetDev, NetSocket, Proto

# The kernel prints each 32-bit word of an address with %08X of the value as held in memory
# (net/ipv4/tcp_ipv4.c: get_tcp4_sock, net/ipv6/tcp_ipv6.c: get_tcp6_sock), so on a little-endian machine every
# 4-byte group comes out reversed. psutil's decode_address and Scope's hexDecode32big undo the same thing.
_LITTLE = sys.byteorder == "little"
_WORDS_LE = struct.Struct("<4I")
_WORDS_BE = struct.Struct(">4I")
AF_INET = int(socket.AF_INET)  # plain ints in records: the C parser's family field is one
AF_INET6 = int(socket.AF_INET6)


def decode_ip(hexaddr: bytes) -> tuple[int, str]:
    """(family, address) of the hex address half of a /proc/net/tcp* column.

    >>> decode_ip(b"0100007F")  # on a little-endian machine
    (2, '127.0.0.1')
    >>> decode_ip(b"0000000000000000FFFF00000100007F")
    (10, '::ffff:127.0.0.1')
    """
    raw = bytes.fromhex(hexaddr.decode("ascii"))
    if len(raw) == 4:
        return AF_INET, socket.inet_ntop(AF_INET, raw[::-1] if _LITTLE else raw)
    if len(raw) == 16:
        if _LITTLE:
            raw = _WORDS_BE.pack(*_WORDS_LE.unpack(raw))
        return AF_INET6, socket.inet_ntop(AF_INET6, raw)
    raise ValueError(f"address of {len(raw)} bytes")


def decode_address(column: bytes) -> tuple[str, int]:
    """(ip, port) of a local_address or rem_address column (psutil's decode_address).

    >>> decode_address(b"0500000A:0016")  # on a little-endian machine
    ('10.0.0.5', 22)
    >>> decode_address(b"00000000000000000000000001000000:0050")
    ('::1', 80)
    """
    hexaddr, _, port = column.partition(b":")
    return decode_ip(hexaddr)[1], int(port, 16)


def parse_net_table(data: bytes, proto: Proto, path: str = "/proc/net/tcp") -> list[NetSocket]:
    """Every socket of a /proc/net/{tcp,tcp6,udp,udp6} table, header skipped, in file order.

    UDP rows carry three more columns (ref, pointer, drops) than TCP's; the first ten are the same.
    An address seen twice in one table is decoded once: most rows share a handful of addresses.

    >>> data = (b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\\n"
    ...         b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 "
    ...         b"0000000000000000 100 0 0 10 0\\n")
    >>> parse_net_table(data, Proto.TCP)  # doctest: +NORMALIZE_WHITESPACE
    [NetSocket(proto=<Proto.TCP: 'tcp'>, family=2, local_ip='127.0.0.1', local_port=8080, remote_ip='0.0.0.0',
               remote_port=0, state=10, uid=1000, inode=4242)]
    """
    out: list[NetSocket] = []
    append, make = out.append, NetSocket._make  # _make: no keyword handling, per row
    seen: dict[bytes, tuple[int, str]] = {}
    for lineno, line in enumerate(data.split(b"\n"), 1):
        cols = line.split()
        if not cols or (lineno == 1 and cols[0] == b"sl"):
            continue
        if len(cols) < 10:
            raise ParseError(path, lineno, f"expected at least 10 columns, got {len(cols)}: {line[:80]!r}")
        try:
            local_hex, _, local_port = cols[1].partition(b":")
            remote_hex, _, remote_port = cols[2].partition(b":")
            local = seen.get(local_hex)
            if local is None:
                local = seen[local_hex] = decode_ip(local_hex)
            remote = seen.get(remote_hex)
            if remote is None:
                remote = seen[remote_hex] = decode_ip(remote_hex)
            if local[0] != remote[0]:
                raise ValueError("local and remote addresses of different families")
            row = (proto, local[0], local[1], int(local_port, 16), remote[1], int(remote_port, 16))
            append(make((*row, int(cols[3], 16), int(cols[7]), int(cols[9]))))
        except (ValueError, UnicodeDecodeError) as e:
            raise ParseError(path, lineno, f"bad socket row ({e}): {line[:80]!r}") from None
    return out


def parse_net_dev(data: bytes, path: str = "/proc/net/dev") -> list[NetDev]:
    """/proc/net/dev: receive then transmit counters per interface, after two header lines.

    >>> parse_net_dev(b"Inter-|   Receive ...\\n face |bytes ...\\n"
    ...               b"    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0"
    ...               b"    0     0       0          0\\n")  # doctest: +NORMALIZE_WHITESPACE
    [NetDev(name='lo', rx_bytes=3193, rx_packets=29, rx_errors=0, rx_dropped=0, tx_bytes=3193, tx_packets=29,
            tx_errors=0, tx_dropped=0)]
    """
    out: list[NetDev] = []
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if lineno <= 2 or not line.strip():
            continue
        # An interface name cannot hold ':' (net/core/dev.c: dev_valid_name), and a big counter may touch it.
        name, sep, counters = line.partition(b":")
        if not sep:
            raise ParseError(path, lineno, f"no 'name:': {line[:80]!r}")
        c = [number(f, path, lineno, "counter") for f in fields(counters, path, lineno, 16)]
        out.append(NetDev(text(name.strip()), c[0], c[1], c[2], c[3], c[8], c[9], c[10], c[11]))
    return out
