"""Scope-compatible codecs: JSON or msgpack, gzip or not, with a cap on the decompressed size.

    loads(body, "application/msgpack", "gzip") -> Report     # what a Scope probe POSTs
    dumps(report, "application/json")          -> bytes      # what Scope's GET /api/report returns
"""

import json
import zlib
from typing import Any, Final

import msgpack

from ..errors import DecodeError
from ..report.report import Report
from .decode import decode_document
from .encode import encode_document
from .times import format_go_binary, format_rfc3339

JSON: Final = "application/json"
MSGPACK: Final = "application/msgpack"
GZIP: Final = "gzip"
DEFAULT_MAX_SIZE: Final = 64 * 1024 * 1024

__all__ = ["DEFAULT_MAX_SIZE", "GZIP", "JSON", "MSGPACK", "DecodeError", "dumps", "loads"]


def _media_type(content_type: str) -> str:
    # "application/json; charset=utf-8" -> "application/json"
    return content_type.split(";", 1)[0].strip().lower()


def _gunzip(data: bytes, max_size: int) -> bytes:
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, max_size + 1)
    except zlib.error as e:
        raise DecodeError(f"bad gzip data: {e}") from None
    if len(out) > max_size:
        raise DecodeError(f"decompressed body is larger than the limit of {max_size} bytes")
    if not d.eof:
        raise DecodeError("truncated gzip data")
    return out


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"{name} is not valid JSON")


def loads(
    data: bytes,
    content_type: str = JSON,
    content_encoding: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Report:
    """Decode a report body. Raises DecodeError saying what was wrong and where; never anything else."""
    encoding = (content_encoding or "").strip().lower()
    if encoding not in ("", "identity", GZIP):
        raise DecodeError(f"unsupported content encoding {content_encoding!r} (use gzip or none)")
    if len(data) > max_size:
        raise DecodeError(f"body is larger than the limit of {max_size} bytes")
    if encoding == GZIP:
        data = _gunzip(data, max_size)
    media = _media_type(content_type)
    if media == JSON:
        try:
            doc = json.loads(data, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as e:
            if isinstance(e, DecodeError):
                raise
            raise DecodeError(f"invalid JSON: {e}") from None
    elif media == MSGPACK:
        try:
            # Scope writes old-spec msgpack: every string is "raw", and Go's binary times are raw strings that
            # are not UTF-8. surrogateescape keeps them as str that encode back to the exact bytes.
            doc = msgpack.unpackb(data, raw=False, unicode_errors="surrogateescape", strict_map_key=False)
        except (ValueError, msgpack.UnpackException, RecursionError, TypeError) as e:
            raise DecodeError(f"invalid msgpack: {e}") from None
    else:
        raise DecodeError(f"unsupported content type {content_type!r} (use {JSON} or {MSGPACK})")
    try:
        return decode_document(doc)
    except RecursionError:
        raise DecodeError("report nested too deeply") from None


def dumps(
    report: Report,
    content_type: str = JSON,
    content_encoding: str | None = None,
    compresslevel: int = 6,
) -> bytes:
    """Encode a report as Scope does: JSON with RFC 3339 times, or old-spec msgpack with Go binary times."""
    media = _media_type(content_type)
    if media == JSON:
        body = json.dumps(encode_document(report, format_rfc3339), separators=(",", ":")).encode()
    elif media == MSGPACK:
        # surrogateescape: strings that arrived as non-UTF-8 raw bytes go back out as the same bytes.
        body = msgpack.packb(encode_document(report, format_go_binary), use_bin_type=False,
                             unicode_errors="surrogateescape")
    else:
        raise ValueError(f"unsupported content type {content_type!r} (use {JSON} or {MSGPACK})")
    encoding = (content_encoding or "").strip().lower()
    if encoding == GZIP:
        # mtime 0, as Go's compress/gzip writes it: the same report gives the same bytes.
        import gzip

        return gzip.compress(body, compresslevel=compresslevel, mtime=0)
    if encoding not in ("", "identity"):
        raise ValueError(f"unsupported content encoding {content_encoding!r}")
    return body
