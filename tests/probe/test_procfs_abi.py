"""cext/scopeproc.h is an ABI: ffi's layout of each struct must match the struct.Struct formats the Python side
unpacks with (house style §7: fixed-width fields, explicit padding, no unions)."""

import re
import struct

import pytest

from scopeprobe.procfs import native

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(native.C is None, reason="C extension not built (python cext/build_scopeproc.py builds it)"),
]

# (field, offset, size) in declaration order, as the header comments promise.
SOCK = [
    ("local_addr", 0, 16),
    ("remote_addr", 16, 16),
    ("inode", 32, 8),
    ("uid", 40, 4),
    ("local_port", 44, 2),
    ("remote_port", 46, 2),
    ("family", 48, 1),
    ("state", 49, 1),
    ("pad", 50, 6),
]
FDSCAN = [("pid", 0, 4), ("err", 4, 4), ("nfds", 8, 4), ("nsockets", 12, 4), ("first", 16, 8)]


def struct_layout(fmt: str) -> list[tuple[int, int]]:
    """(offset, size) of each item of a "=" struct format (no implicit padding); "16s" and "6x" are one item."""
    out, offset = [], 0
    for count, code in re.findall(r"(\d*)([a-zA-Z?])", fmt.lstrip("=")):
        size = struct.calcsize(f"={code}") * int(count or 1)
        out.append((offset, size))
        offset += size
    return out


@pytest.mark.parametrize(
    ("ctype", "fields", "fmt"),
    [("struct scope_sock", SOCK, native.SOCK.format), ("struct scope_fdscan", FDSCAN, native.FDSCAN.format)],
    ids=["scope_sock", "scope_fdscan"],
)
def test_layout_matches_struct(ctype: str, fields: list[tuple[str, int, int]], fmt: str) -> None:
    assert native.C is not None
    ffi = native.C._ffi
    ctype_fields = dict(ffi.typeof(ctype).fields)
    assert list(ctype_fields) == [name for name, _, _ in fields]
    for name, offset, size in fields:
        assert (ffi.offsetof(ctype, name), ffi.sizeof(ctype_fields[name].type)) == (offset, size), name
    assert struct_layout(fmt) == [(offset, size) for _, offset, size in fields]
    assert ffi.sizeof(ctype) == struct.calcsize(fmt) == fields[-1][1] + fields[-1][2]
    assert ffi.sizeof(ctype) % ffi.alignof(ctype) == 0  # arrays of them have no gaps
