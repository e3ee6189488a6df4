"""Pure parsers over the bytes of /proc files: no I/O, so a fixture, a mock and the live system parse alike.

This module holds the per-process files (stat, status, cmdline, limits, fd and ns links) and re-exports the
network (`parse_net`) and system-wide (`parse_system`) parsers, so `from scopeprobe.procfs.parse import ...`
finds every parser. Each takes the file's bytes and the path to name in a `ParseError`.
"""

import re

from scopeprobe.errors import ParseError
from scopeprobe.procfs._text import fields, number, text
from scopeprobe.procfs.parse_net import decode_address, parse_net_dev, parse_net_table
from scopeprobe.procfs.parse_system import (
    parse_diskstats,
    parse_filesystems,
    parse_loadavg,
    parse_meminfo,
    parse_mountinfo,
    parse_proc_stat,
    parse_uptime,
)
from scopeprobe.procfs.records import RLIM_INFINITY, Cmdline, FileLimits, Ids, PidStat, PidStatus

__all__ = [
    "decode_address",
    "parse_cmdline",
    "parse_diskstats",
    "parse_filesystems",
    "parse_limits",
    "parse_link_inode",
    "parse_loadavg",
    "parse_meminfo",
    "parse_mountinfo",
    "parse_net_dev",
    "parse_net_table",
    "parse_proc_stat",
    "parse_stat",
    "parse_status",
    "parse_uptime",
]

# Fields of /proc/<pid>/stat after the ")" closing comm, counted from 0 (proc(5) numbers them from 1, with
# state as field 3): stat field n is at index n - 3.
_STATE, _PPID, _UTIME, _STIME, _THREADS, _STARTTIME, _VSIZE, _RSS, _RSSLIM = 0, 1, 11, 12, 17, 19, 20, 21, 22


def parse_stat(data: bytes, path: str = "/proc/<pid>/stat") -> PidStat:
    """/proc/<pid>/stat. comm is whatever lies between the first "(" and the last ")": it may hold both.

    >>> parse_stat(b"42 (my (odd) prog) S 1 42 42 0 -1 4194560 97 0 0 0 5 3 0 0 20 0 1 0 1234 "
    ...            b"8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0")
    ... # doctest: +NORMALIZE_WHITESPACE
    PidStat(pid=42, comm='my (odd) prog', state='S', ppid=1, utime=5, stime=3, threads=1, starttime=1234,
            vsize=8192000, rss_pages=300, rsslim=18446744073709551615)
    """
    left = data.find(b"(")
    right = data.rfind(b")")
    if left < 0 or right < left:
        raise ParseError(path, 1, f"no '(comm)': {data[:80]!r}")
    rest = fields(data[right + 1 :], path, 1, _RSSLIM + 1)
    try:
        return PidStat(
            pid=int(data[:left]),
            comm=text(data[left + 1 : right]),
            state=rest[_STATE].decode("ascii"),
            ppid=int(rest[_PPID]),
            utime=int(rest[_UTIME]),
            stime=int(rest[_STIME]),
            threads=int(rest[_THREADS]),
            starttime=int(rest[_STARTTIME]),
            vsize=int(rest[_VSIZE]),
            rss_pages=int(rest[_RSS]),
            rsslim=int(rest[_RSSLIM]),
        )
    except (ValueError, UnicodeDecodeError) as e:
        raise ParseError(path, 1, f"bad field: {e}") from None


_NAME_ESCAPE = re.compile(r"\\(n|\\)")


def _value(data: bytes, key: bytes) -> bytes | None:
    """The rest of the line starting with `key` ("Uid:"), or None. status has ~60 lines and we want 5: finding
    them is several times faster than splitting the file into lines."""
    if data.startswith(key):
        at = len(key)
    else:
        at = data.find(b"\n" + key)
        if at < 0:
            return None
        at += len(key) + 1
    end = data.find(b"\n", at)
    return data[at:end] if end >= 0 else data[at:]


def _line_of(data: bytes, key: bytes) -> int | None:
    """The 1-based line number of the line starting with `key`, for error messages only."""
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if line.startswith(key):
            return lineno
    return None


def parse_status(data: bytes, path: str = "/proc/<pid>/status") -> PidStatus:
    r"""/proc/<pid>/status: name, tgid, uids, gids and NSpid.

    >>> parse_status(b"Name:\tsleep\nTgid:\t7\nUid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n"
    ...              b"NSpid:\t7\t1\n")
    ... # doctest: +NORMALIZE_WHITESPACE
    PidStatus(name='sleep', tgid=7, uids=Ids(real=1000, effective=1000, saved=1000, filesystem=1000),
              gids=Ids(real=100, effective=100, saved=100, filesystem=100), nspid=(7, 1))
    """
    name, uid, gid = _value(data, b"Name:"), _value(data, b"Uid:"), _value(data, b"Gid:")
    if name is None or uid is None or gid is None:
        raise ParseError(path, None, "missing the Name, Uid or Gid line")
    # The kernel escapes "\n" and "\\" in the name here (fs/proc/array.c: proc_task_name).
    unescaped = text(name.strip())
    if "\\" in unescaped:
        unescaped = _NAME_ESCAPE.sub(lambda m: "\n" if m[1] == "n" else "\\", unescaped)
    key = b"Uid:"
    try:
        uids = Ids(*map(int, uid.split()[:4]))
        key = b"Gid:"
        gids = Ids(*map(int, gid.split()[:4]))
        key = b"Tgid:"
        tgid = _value(data, key)
        key = b"NSpid:"
        nspid = _value(data, key)  # kernel >= 4.1
        return PidStatus(
            name=unescaped,
            tgid=-1 if tgid is None else int(tgid),
            uids=uids,
            gids=gids,
            nspid=() if nspid is None else tuple(map(int, nspid.split())),
        )
    except (ValueError, TypeError) as e:
        # TypeError: fewer than four ids on a Uid or Gid line.
        raise ParseError(path, _line_of(data, key), f"bad {key.decode()} line: {e}") from None


def parse_cmdline(data: bytes, comm: str) -> Cmdline:
    r"""/proc/<pid>/cmdline: NUL-separated arguments. Empty (kernel threads, zombies) means "[comm]", as in Scope.

    Scope's process name is argv[0] as given (a path or not). Trailing NULs are dropped: setproctitle-style
    rewrites pad with them.

    >>> parse_cmdline(b"python3\x00-m\x00http.server\x00", "python3")
    Cmdline(name='python3', line='python3 -m http.server', args=('python3', '-m', 'http.server'))
    >>> parse_cmdline(b"", "kthreadd")
    Cmdline(name='[kthreadd]', line='[kthreadd]', args=())
    """
    data = data.rstrip(b"\x00")
    if not data:
        bracketed = f"[{comm}]"
        return Cmdline(name=bracketed, line=bracketed, args=())
    args = tuple(text(a) for a in data.split(b"\x00"))
    name = args[0] or f"[{comm}]"
    return Cmdline(name=name, line=" ".join(args), args=args)


_MAX_OPEN_FILES = b"Max open files"


def parse_limits(data: bytes, path: str = "/proc/<pid>/limits") -> FileLimits:
    """The `Max open files` row of /proc/<pid>/limits (columns: soft, hard, units).

    >>> parse_limits(b"Limit                     Soft Limit           Hard Limit           Units\\n"
    ...              b"Max open files            1024                 unlimited            files\\n")
    FileLimits(soft=1024, hard=18446744073709551615)
    """
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if line.startswith(_MAX_OPEN_FILES):
            soft, hard = fields(line[len(_MAX_OPEN_FILES) :], path, lineno, 2)[:2]
            return FileLimits(
                soft=RLIM_INFINITY if soft == b"unlimited" else number(soft, path, lineno, "soft limit"),
                hard=RLIM_INFINITY if hard == b"unlimited" else number(hard, path, lineno, "hard limit"),
            )
    raise ParseError(path, None, "no 'Max open files' row")


def parse_link_inode(target: str, kind: str) -> int | None:
    """The inode in a /proc magic link's target `kind:[inode]`, or None if it is another kind of link.

    Used for fd links ("socket:[12345]") and namespace links ("net:[4026531840]").

    >>> parse_link_inode("socket:[12345]", "socket")
    12345
    >>> parse_link_inode("/dev/null", "socket") is None
    True
    """
    if not (target.startswith(kind) and target.endswith("]")) or target[len(kind) : len(kind) + 2] != ":[":
        return None
    try:
        return int(target[len(kind) + 2 : -1])
    except ValueError:
        return None
