"""Messages of the probe <-> app stream (our native transport: one gRPC bidirectional stream per probe).

Each gRPC message is one msgpack map with a type tag `t`. Reports travel inside as the same bytes a Scope probe
would POST (msgpack, gzip), so there is one report codec. The service is `/scope.Probe/Connect`; see
docs/probe-protocol.md.

    encode(Hello("p1", "vm", "0.1.0")) -> b"\\x84\\xa1t\\xa5hello..."
    decode(...)                         -> Hello(probe_id="p1", ...)
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

import msgpack

from .errors import DecodeError

SERVICE: Final = "scope.Probe"
METHOD: Final = f"/{SERVICE}/Connect"
MAX_MESSAGE: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Hello:
    """Probe -> app, first message: who the probe is and which of its sources are live (and why not)."""

    probe_id: str
    hostname: str = ""
    version: str = ""
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> {"live": bool, "reason"}


@dataclass(frozen=True, slots=True)
class Sources:
    """Probe -> app: the sources' state changed (e.g. eBPF fell back to conntrack)."""

    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportMsg:
    """Probe -> app: a report body (msgpack + gzip) and whether it is full, a delta or a shortcut."""

    body: bytes
    kind: str = "full"


@dataclass(frozen=True, slots=True)
class Welcome:
    """App -> probe, first message."""

    app_id: str
    version: str = ""


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """App -> probe: run a control on a node. `args` are Scope's ControlArgs."""

    id: int
    node_id: str
    control: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ControlReply:
    """Probe -> app: a control's result, in Scope's response shape (value, error, pipe, raw_tty, ...)."""

    id: int
    result: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PipeData:
    """Either way: bytes for one end of a pipe (terminal or log stream)."""

    pipe_id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PipeClose:
    """Either way: the pipe is closed (by the browser, the process, or a timeout)."""

    pipe_id: str
    reason: str = ""


Message = Hello | Sources | ReportMsg | Welcome | ControlRequest | ControlReply | PipeData | PipeClose
_TAGS: dict[type, str] = {
    Hello: "hello", Sources: "sources", ReportMsg: "report", Welcome: "welcome", ControlRequest: "control",
    ControlReply: "control_reply", PipeData: "pipe_data", PipeClose: "pipe_close",
}
_TYPES = {tag: cls for cls, tag in _TAGS.items()}
_FIELDS = {cls: {f.name: f.type for f in fields(cls)} for cls in _TAGS}


def encode(msg: Message) -> bytes:
    """One message as bytes for the stream."""
    doc = asdict(msg)
    doc["t"] = _TAGS[type(msg)]
    return msgpack.packb(doc, use_bin_type=True)  # type: ignore[no-any-return]


def decode(data: bytes) -> Message:
    """A message from the stream; DecodeError if it is not one."""
    if len(data) > MAX_MESSAGE:
        raise DecodeError(f"message larger than {MAX_MESSAGE} bytes")
    try:
        doc = msgpack.unpackb(data, raw=False)
    except (ValueError, msgpack.UnpackException, TypeError) as e:
        raise DecodeError(f"invalid message: {e}") from None
    if not isinstance(doc, dict):
        raise DecodeError("message is not a map")
    cls = _TYPES.get(doc.pop("t", None))
    if cls is None:
        raise DecodeError("message without a known type tag `t`")
    expected = _FIELDS[cls]
    unknown = set(doc) - set(expected)
    if unknown:
        doc = {k: v for k, v in doc.items() if k in expected}  # newer peers may add fields
    try:
        msg: Message = cls(**doc)
    except TypeError as e:
        raise DecodeError(f"bad {_TAGS[cls]} message: {e}") from None
    for name, typ in expected.items():
        value = getattr(msg, name)
        want = typ if typ in (str, int, bytes) else None
        if want is not None and not isinstance(value, want):
            raise DecodeError(f"{_TAGS[cls]}.{name}: expected {want.__name__}, got {type(value).__name__}")
        if want is None and not isinstance(value, dict):
            raise DecodeError(f"{_TAGS[cls]}.{name}: expected a map, got {type(value).__name__}")
    return msg
