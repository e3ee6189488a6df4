"""Time values as Scope writes them: RFC 3339 strings in JSON, Go's `time.MarshalBinary` bytes in msgpack.

Inside scopecore a time is an int: nanoseconds since the Unix epoch (negative before 1970; Go's zero time,
0001-01-01T00:00:00Z, is GO_ZERO).

    parse_rfc3339("2026-12-04T19:59:10.801455555Z") -> 1796414350801455555
    format_rfc3339(1796414350801455555)             -> "2026-12-04T19:59:10.801455555Z"
    parse_go_binary(b"\\x01" + sec(8) + nsec(4) + zone(2)) -> ns
"""

import calendar
import struct
from datetime import UTC, datetime, timedelta

NS = 1_000_000_000
# Seconds from Go's absolute epoch (January 1, year 1, UTC) to the Unix epoch.
_GO_UNIX_OFFSET = 62_135_596_800
GO_ZERO = -_GO_UNIX_OFFSET * NS

_V1_LEN = 15
_V2_LEN = 16  # Go 1.19+ adds a seconds-of-zone byte when the offset has seconds
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimeFormatError(ValueError):
    """A time value that is neither RFC 3339 nor Go binary."""


_SECONDS: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM:SS" -> Unix seconds; a report's times share few seconds


def _seconds(prefix: str) -> int:
    secs = _SECONDS.get(prefix)
    if secs is None:
        if (
            prefix[4] != "-" or prefix[7] != "-" or prefix[10] not in "Tt" or prefix[13] != ":"
            or prefix[16] != ":" or not prefix.replace("-", "").replace(":", "").replace("T", "").isdigit()
        ):
            raise ValueError(prefix)
        fields = (int(prefix[0:4]), int(prefix[5:7]), int(prefix[8:10]), int(prefix[11:13]), int(prefix[14:16]),
                  int(prefix[17:19]))
        if not (1 <= fields[2] <= calendar.monthrange(fields[0], fields[1])[1] and fields[3] < 24
                and fields[4] < 60 and fields[5] < 61):
            raise ValueError(prefix)
        secs = calendar.timegm((*fields, 0, 0, 0))
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        _SECONDS[prefix] = secs
    return secs


def parse_rfc3339(s: str) -> int:
    """RFC 3339 (as Go's time.Time JSON writes it, any precision and offset) to ns since the Unix epoch."""
    try:
        secs = _seconds(s[:19])
        rest = s[19:]
        frac = 0
        if rest[:1] == ".":
            end = 1
            while end < len(rest) and "0" <= rest[end] <= "9":
                end += 1
            if not 1 < end <= 10:
                raise ValueError(s)
            frac = int(rest[1:end].ljust(9, "0"))
            rest = rest[end:]
        if rest == "Z" or rest == "z":
            offset = 0
        elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":" and rest[1:3].isdigit() and rest[4:].isdigit():
            offset = (int(rest[1:3]) * 60 + int(rest[4:6])) * 60
            if rest[0] == "+":
                offset = -offset
        else:
            raise ValueError(s)
    except (ValueError, IndexError):
        raise TimeFormatError(f"not an RFC 3339 time: {s!r}") from None
    return (secs + offset) * NS + frac


def format_rfc3339(ns: int) -> str:
    """ns since the Unix epoch to RFC 3339 in UTC, trailing zeros of the fraction trimmed (Go's RFC3339Nano)."""
    secs, frac = divmod(ns, NS)
    dt = _UNIX_EPOCH + timedelta(seconds=secs)
    base = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    if frac:
        return f"{base}.{frac:09d}".rstrip("0") + "Z"
    return base + "Z"


def parse_go_binary(b: bytes) -> int:
    """Go's time.MarshalBinary (version 1: 15 bytes, version 2: 16 bytes) to ns since the Unix epoch.

    The zone offset only says how Go would print the time; the instant is the absolute seconds + ns.
    """
    if len(b) not in (_V1_LEN, _V2_LEN) or b[0] not in (1, 2) or (b[0] == 1) != (len(b) == _V1_LEN):
        raise TimeFormatError(f"not a Go binary time: {len(b)} bytes starting {b[:1].hex() or 'nothing'}")
    secs: int
    nsec: int
    secs, nsec = struct.unpack_from(">qi", b, 1)
    if not 0 <= nsec < NS:
        raise TimeFormatError(f"Go binary time with {nsec} ns")
    return (secs - _GO_UNIX_OFFSET) * NS + nsec


def format_go_binary(ns: int) -> bytes:
    """ns since the Unix epoch to Go's time.MarshalBinary, version 1: 1, seconds since year 1 (int64),
    ns (int32), zone offset in minutes (int16). Offset 0, as a Scope probe on a UTC host writes it."""
    secs, nsec = divmod(ns, NS)
    return struct.pack(">Bqih", 1, secs + _GO_UNIX_OFFSET, nsec, 0)
