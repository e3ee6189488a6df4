"""The Scope 1.13 "shop" fixtures (/work/shared/fixtures/scope-1.13, or $SCOPE_FIXTURES) as bytes and Reports."""

import gzip
import os
from functools import cache
from pathlib import Path

from scopecore.report import Report

FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", "/work/shared/fixtures/scope-1.13"))
MERGED_REPORT = "report.json"  # the app's merged report (GET /api/report)
PROBE_REPORT = "probe_report.json"  # one full probe report


def available() -> bool:
    """True if the fixture files are there."""
    return (FIXTURES / MERGED_REPORT).is_file() and (FIXTURES / PROBE_REPORT).is_file()


@cache
def raw(name: str) -> bytes:
    """A fixture file's bytes (e.g. "report.json", "report.msgpack", "wire/probe_report.msgpack.gz")."""
    return (FIXTURES / name).read_bytes()


@cache
def merged_report_msgpack_gzip() -> bytes:
    """Scope's own msgpack of the merged report, gzipped (level 6, as Go's compress/gzip default)."""
    return gzip.compress(raw("report.msgpack"), compresslevel=6, mtime=0)


def probe_report_msgpack_gzip() -> bytes:
    """The probe's own POST body (gzip + msgpack, Go binary times) behind probe_report.json."""
    return raw("wire/probe_report.msgpack.gz")


@cache
def load_report(name: str) -> Report:
    """A JSON fixture decoded by scopecore.codec (ImportError while the codec does not exist)."""
    from scopecore.codec import loads

    return loads(raw(name), content_type="application/json")
