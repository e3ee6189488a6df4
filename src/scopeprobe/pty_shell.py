"""A shell on a pseudo-terminal, for the host's "Exec shell" control: bytes in and out, resizable."""

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import struct
import subprocess
import termios
from collections.abc import Callable, Coroutine
from typing import Any

_READ = 65536


class PtyShell:
    """One shell process with the slave end of a pty as its controlling terminal."""

    def __init__(self, on_output: Callable[[bytes], Coroutine[Any, Any, None]],
                 on_exit: Callable[[], Coroutine[Any, Any, None]],
                 argv: list[str] | None = None, rows: int = 24, cols: int = 80) -> None:
        self._on_output, self._on_exit = on_output, on_exit
        shell = argv or [os.environ.get("SHELL") or shutil.which("bash") or "/bin/sh", "-i"]
        master, slave = os.openpty()
        self._master = master
        self.resize(rows, cols)
        env = dict(os.environ, TERM="xterm-256color")

        # util-linux `setsid --ctty` makes a new session whose controlling terminal is the pty. A Python
        # preexec_fn would run interpreter code in a fork of this multi-threaded process, which is not safe.
        self.proc = subprocess.Popen(["setsid", "--ctty", *shell], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True, cwd="/")
        os.close(slave)
        os.set_blocking(master, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(master, self._readable)
        self._closed = False

    def _readable(self) -> None:
        try:
            data = os.read(self._master, _READ)
        except BlockingIOError:
            return
        except OSError:  # EIO: the shell exited and the slave side is gone
            data = b""
        if data:
            self._loop.create_task(self._on_output(data))
        else:
            self._loop.create_task(self.close())

    def write(self, data: bytes) -> None:
        """Keystrokes from the browser."""
        if not self._closed:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._master, data)

    def resize(self, rows: int, cols: int) -> None:
        """The terminal's new size, as the browser's xterm reports it."""
        fcntl.ioctl(self._master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    async def close(self) -> None:
        """End the shell (its whole session) and tell whoever is attached."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._master)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGHUP)
        os.close(self._master)
        await asyncio.to_thread(self._reap)
        await self._on_exit()

    def _reap(self) -> None:
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
