"""Small helpers the procfs parsers share: decoding bytes and numbers, with errors that name file and line."""

from scopeprobe.errors import ParseError


def text(raw: bytes) -> str:
    """Bytes from /proc as str. Names and arguments are arbitrary bytes; reports need valid UTF-8, hence replace."""
    return raw.decode("utf-8", "replace")


def number(raw: bytes, path: str, line: int | None, what: str) -> int:
    """A decimal field, or ParseError naming `what`.

    >>> number(b"42", "/proc/1/stat", 1, "ppid")
    42
    """
    try:
        return int(raw)
    except ValueError:
        raise ParseError(path, line, f"{what}: not a number: {raw[:40]!r}") from None


def fields(data: bytes, path: str, line: int | None, count: int) -> list[bytes]:
    """The whitespace-separated fields of `data`, or ParseError if there are fewer than `count`."""
    out = data.split()
    if len(out) < count:
        raise ParseError(path, line, f"expected at least {count} fields, got {len(out)}: {data[:80]!r}")
    return out


def unescape_octal(raw: bytes) -> str:
    r"""Undo the kernel's octal escapes of mountinfo paths (fs/proc_namespace.c: mangle()).

    >>> unescape_octal(rb"/mnt/my\040disk")
    '/mnt/my disk'
    """
    if b"\\" not in raw:
        return text(raw)
    out = bytearray()
    i = 0
    while i < len(raw):
        digits = raw[i + 1 : i + 4]
        if raw[i] == 0x5C and len(digits) == 3 and all(0x30 <= d <= 0x37 for d in digits):
            out.append(int(digits, 8) & 0xFF)
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return text(bytes(out))
