"""Docker's multiplexed stream format, for attaching to a container that has no TTY.

Each frame is an 8-byte header, [stream, 0, 0, 0, size (uint32 big-endian)], then `size` bytes; stream is
0 stdin, 1 stdout, 2 stderr (moby's stdcopy). The browser's terminal wants the payloads only, in order:

    d = Demuxer(); d.feed(b"\\x01\\0\\0\\0\\0\\0\\0\\x03hi\\n\\x02\\0\\0")  -> b"hi\\n"
                   d.feed(b"\\0\\0\\0\\0\\x02!\\n")                      -> b"!\\n"
"""

import struct

_HEADER = struct.Struct(">BxxxI")


class Demuxer:
    """Incremental demultiplexer: frames may be split anywhere across feed() calls, and a frame's payload is
    passed on as it arrives rather than when complete (a program's output can be one large frame)."""

    def __init__(self) -> None:
        self._header = bytearray()
        self._remaining = 0  # payload bytes of the current frame still to come

    def feed(self, data: bytes) -> bytes:
        """The payload bytes in data (possibly b"")."""
        out = bytearray()
        view = memoryview(data)
        while view:
            if self._remaining:
                take = min(self._remaining, len(view))
                out += view[:take]
                view = view[take:]
                self._remaining -= take
                continue
            need = _HEADER.size - len(self._header)
            self._header += view[:need]
            view = view[need:]
            if len(self._header) == _HEADER.size:
                _, self._remaining = _HEADER.unpack(self._header)
                self._header.clear()
        return bytes(out)
