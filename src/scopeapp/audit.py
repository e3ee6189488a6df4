"""Append-only audit log: one JSON line per control and per pipe open/close (who, when, what, result)."""

import json
import time
from pathlib import Path
from typing import Any


class AuditLog:
    """Writes JSON lines to a file opened for append; with no path, keeps nothing (but still counts)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file = path.open("a", encoding="utf-8") if path is not None else None
        self.entries = 0

    def write(self, action: str, who: str, **fields: Any) -> None:
        """Record one action. Flushed at once: an audit line must survive the app dying right after."""
        self.entries += 1
        if self._file is None:
            return
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}Z",
                "action": action, "who": who, **fields}
        self._file.write(json.dumps(line, default=str, sort_keys=True) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
