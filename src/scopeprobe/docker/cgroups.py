"""Pure parsers of the cgroup files the Docker reporter reads (cgroup v1 and v2), bytes in, records out.

    container_ids_in_cgroup(b"4:memory:/docker/07ff...a9\n")                      -> ("07ff...a9",)
    container_ids_in_cgroup(b"0::/system.slice/docker-07ff...a9.scope\n")         -> ("07ff...a9",)
    parse_flat_keyed(b"cache 4096\nrss 8192\n")                                   -> {"cache": 4096, "rss": 8192}
    parse_blkio_bytes(b"8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n") -> (4096, 512)
    parse_io_stat(b"8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n")  -> (4096, 512)
"""

import re
from typing import NamedTuple

from scopeprobe.errors import ParseError

# A 64-hex Docker ID as a whole cgroup path component: "<id>" (cgroupfs driver, also nested under
# /kubepods/.../pod<uid>/), "docker-<id>.scope" (systemd driver). Other runtimes' prefixes (cri-containerd-,
# crio-, libpod-) are not Docker's containers, so they are not matched.
_ID_COMPONENT = re.compile(rb"^(?:docker-)?([0-9a-f]{64})(?:\.scope)?$")


class CgroupLine(NamedTuple):
    """One line of /proc/<pid>/cgroup: "4:memory:/docker/<id>" or the v2 "0::/system.slice/x.scope"."""

    hierarchy: int
    controllers: tuple[str, ...]  # () for the v2 unified hierarchy; "name=systemd" for named v1 ones
    path: str


def parse_proc_cgroup(data: bytes, path: str = "/proc/<pid>/cgroup") -> list[CgroupLine]:
    """The lines of /proc/<pid>/cgroup (cgroups(7)): hierarchy-ID:controller-list:cgroup-path."""
    out: list[CgroupLine] = []
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line:
            continue
        hier, sep1, rest = line.partition(b":")
        controllers, sep2, cg_path = rest.partition(b":")
        if not (sep1 and sep2) or not hier.isdigit():
            raise ParseError(path, lineno, f"not hierarchy:controllers:path: {line[:80]!r}")
        names = tuple(controllers.decode().split(",")) if controllers else ()
        out.append(CgroupLine(int(hier), names, cg_path.decode("utf-8", "surrogateescape")))
    return out


def container_ids_in_cgroup(data: bytes) -> tuple[str, ...]:
    """Docker IDs in a process's cgroup path, innermost first (Docker in Docker nests them), from the first
    line that has any; () for a process outside any container. Works for cgroupfs and systemd drivers and for
    v1 and v2: every hierarchy line names the same container, so the first one that matches is enough."""
    for line in data.splitlines():
        cg_path = line.split(b":", 2)[-1]
        found = []
        for component in reversed(cg_path.split(b"/")):
            m = _ID_COMPONENT.match(component)
            if m:
                found.append(m.group(1).decode())
        if found:
            return tuple(found)
    return ()


def parse_int(data: bytes, path: str) -> int:
    """A file holding one integer (memory.usage_in_bytes, cpuacct.usage); v2's "max" means unlimited (-1)."""
    text = data.strip()
    if text == b"max":
        return -1
    try:
        return int(text)
    except ValueError:
        raise ParseError(path, 1, f"not an integer: {text[:40]!r}") from None


def parse_flat_keyed(data: bytes, path: str = "memory.stat") -> dict[str, int]:
    """A "key value" per line file (memory.stat in v1 and v2, cpu.stat in v2)."""
    out: dict[str, int] = {}
    for lineno, line in enumerate(data.splitlines(), 1):
        key, _, value = line.partition(b" ")
        if not key:
            continue
        try:
            out[key.decode()] = int(value)
        except ValueError:
            raise ParseError(path, lineno, f"not 'key value': {line[:80]!r}") from None
    return out


def flat_keyed_value(data: bytes, key: bytes, path: str = "memory.stat") -> int | None:
    """One key's value of a flat keyed file, without parsing the rest (memory.stat has ~40 lines and the
    reporter needs one): (b"cache 4096\ntotal_cache 16384\n", b"total_cache") -> 16384; None if absent."""
    if data.startswith(key + b" "):
        at = 0
    else:
        at = data.find(b"\n" + key + b" ") + 1
        if at == 0:
            return None
    end = data.find(b"\n", at)
    line = data[at:] if end < 0 else data[at:end]
    try:
        return int(line[len(key) + 1:])
    except ValueError:
        raise ParseError(path, data.count(b"\n", 0, at) + 1, f"not 'key value': {line[:80]!r}") from None


def parse_blkio_bytes(data: bytes, path: str = "blkio.throttle.io_service_bytes") -> tuple[int, int]:
    """(read, written) bytes over all devices of a v1 blkio *io_service_bytes* file."""
    read = written = 0
    for lineno, line in enumerate(data.splitlines(), 1):
        parts = line.split()
        if len(parts) != 3:
            continue  # the final "Total N" line, or an empty file's "Total 0"
        try:
            n = int(parts[2])
        except ValueError:
            raise ParseError(path, lineno, f"not 'dev op bytes': {line[:80]!r}") from None
        if parts[1] == b"Read":
            read += n
        elif parts[1] == b"Write":
            written += n
    return read, written


def parse_io_stat(data: bytes, path: str = "io.stat") -> tuple[int, int]:
    """(read, written) bytes over all devices of a v2 io.stat file."""
    read = written = 0
    for lineno, line in enumerate(data.splitlines(), 1):
        for field in line.split()[1:]:
            key, sep, value = field.partition(b"=")
            if not sep:
                raise ParseError(path, lineno, f"not key=value: {field[:40]!r}")
            if key in (b"rbytes", b"wbytes"):
                try:
                    n = int(value)
                except ValueError:
                    raise ParseError(path, lineno, f"not a number: {field[:40]!r}") from None
                if key == b"rbytes":
                    read += n
                else:
                    written += n
    return read, written
