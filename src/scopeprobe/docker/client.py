"""The Docker daemon: where it is, and the calls the reporter makes to it, over the `docker` SDK's APIClient.

This is the only module that imports the SDK (which has no type information): everything it returns is a plain
dict, a socket, or an iterator with close(), and every SDK or transport error leaves as one of errors.py's.

Discovery is the docker CLI's: $DOCKER_HOST (with $DOCKER_TLS_VERIFY and $DOCKER_CERT_PATH for tcp://), else
the default socket. (The CLI also knows contexts; a probe is configured by its environment instead.)
"""

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

# The SDK ships no type information: what it returns is Any here, and typed by this module's signatures.
# `import docker.errors` binds `docker` too (docker.APIClient).
import docker.errors  # type: ignore[import-untyped]
import docker.utils  # type: ignore[import-untyped]

from scopeprobe.docker_host import DEFAULT_HOST

from .errors import ContainerNotFound, DockerError, DockerUnavailable

STOP_TIMEOUT = 10  # seconds before SIGKILL, as Scope's stop and restart controls
# Scope's exec command: the root user's login shell if the image can say which, else /bin/sh.
EXEC_SHELL = ["/bin/sh", "-c",
              "TERM=xterm exec $( (type getent > /dev/null 2>&1  && getent passwd root | cut -d: -f7 2>/dev/null)"
              " || echo /bin/sh)"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Stream(Protocol[T_co]):
    """A streaming response: iterate it in a thread; close() from any thread ends the iteration."""

    def __iter__(self) -> Iterator[T_co]: ...

    def close(self) -> None: ...


def _call(fn: Callable[[], T]) -> T:
    """Run an SDK call, translating its errors (psutil's wrap_exceptions, for the SDK)."""
    try:
        return fn()
    except docker.errors.NotFound as e:
        raise ContainerNotFound(str(e.explanation or e)) from None
    except docker.errors.APIError as e:
        raise DockerError(str(e.explanation or e)) from None
    except docker.errors.DockerException as e:
        raise DockerUnavailable(str(e)) from None
    except OSError as e:  # requests' errors are OSErrors: refused, reset, no such socket
        raise DockerUnavailable(str(e)) from None


def _raw_socket(obj: Any) -> socket.socket:
    # exec_start/attach_socket give a SocketIO over the hijacked connection; the socket itself has recv/sendall.
    sock: socket.socket = getattr(obj, "_sock", obj)
    sock.settimeout(None)  # an idle terminal is no error
    return sock


def _check_unix_socket(base_url: str) -> None:
    """Fail fast, and without leaking, when a unix socket has no daemon behind it: the SDK's unix transport does
    not close its socket when connect() fails, which leaves one for the GC per retry while dockerd is down."""
    if not base_url.startswith("unix://"):
        return
    path = base_url.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as s:
        s.settimeout(5.0)
        try:
            s.connect(path)
        except OSError as e:
            raise DockerUnavailable(f"{base_url}: {e.strerror or e}") from None


class DockerAPI:
    """One connection pool to one daemon. Calls block: run them in a thread (asyncio.to_thread)."""

    def __init__(self, client: Any, base_url: str, tls: Any) -> None:
        self._client = client
        self.base_url = base_url
        self._tls = tls
        self.version: str = client.api_version

    @classmethod
    def connect(cls, env: Mapping[str, str] | None = None, *, timeout: float | None = 30.0,
                version: str = "auto") -> "DockerAPI":
        """Connect as the CLI would; version "auto" asks the daemon (and so fails fast if there is none)."""
        env = dict(os.environ if env is None else env)
        kwargs = _call(lambda: docker.utils.kwargs_from_env(environment=env))
        base_url = kwargs.get("base_url") or DEFAULT_HOST
        tls = kwargs.get("tls")
        _check_unix_socket(base_url)
        client = _call(lambda: docker.APIClient(base_url=base_url, tls=tls, version=version, timeout=timeout))
        return cls(client, base_url, tls)

    def clone(self, timeout: float | None = None) -> "DockerAPI":
        """Another client to the same daemon at the same API version, for one long stream (no read timeout)."""
        client = _call(lambda: docker.APIClient(base_url=self.base_url, tls=self._tls, version=self.version,
                                                timeout=timeout))
        return DockerAPI(client, self.base_url, self._tls)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # ---- state ----------------------------------------------------------------------------------------------

    def container_states(self) -> dict[str, str]:
        """ID -> State ("running", "paused", "exited", ...) of every container, running or not: one cheap call,
        to tell which containers changed without inspecting them all."""
        return {c["Id"]: c.get("State") or "" for c in _call(lambda: self._client.containers(all=True))}

    def inspect(self, container_id: str) -> dict[str, Any]:
        """GET /containers/<id>/json. Raises ContainerNotFound."""
        return _call(lambda: self._client.inspect_container(container_id))

    def images(self) -> list[dict[str, Any]]:
        """GET /images/json: every image with its tags, labels and size."""
        return _call(lambda: self._client.images())

    def events(self) -> Stream[dict[str, Any]]:
        """The daemon's events of containers, networks and images, decoded, from now on."""
        filters = {"type": ["container", "network", "image"]}
        return _call(lambda: self._client.events(decode=True, filters=filters))

    # ---- controls -------------------------------------------------------------------------------------------

    def start(self, container_id: str) -> None:
        """Start a stopped container."""
        _call(lambda: self._client.start(container_id))

    def stop(self, container_id: str) -> None:
        """Stop (SIGTERM, then SIGKILL after STOP_TIMEOUT seconds)."""
        _call(lambda: self._client.stop(container_id, timeout=STOP_TIMEOUT))

    def restart(self, container_id: str) -> None:
        """Restart (stop as above, then start)."""
        _call(lambda: self._client.restart(container_id, timeout=STOP_TIMEOUT))

    def pause(self, container_id: str) -> None:
        """Freeze every process of the container."""
        _call(lambda: self._client.pause(container_id))

    def unpause(self, container_id: str) -> None:
        """Thaw a paused container."""
        _call(lambda: self._client.unpause(container_id))

    def remove(self, container_id: str) -> None:
        """Remove a stopped container (Scope's remove: not forced, volumes kept)."""
        _call(lambda: self._client.remove_container(container_id))

    def exec_shell(self, container_id: str) -> tuple[str, socket.socket, Any]:
        """Start Scope's shell with a TTY: (exec ID, the socket of its terminal, an object to keep alive)."""
        exec_id = _call(lambda: self._client.exec_create(container_id, EXEC_SHELL, stdin=True, tty=True))["Id"]
        io = _call(lambda: self._client.exec_start(exec_id, tty=True, socket=True))
        return exec_id, _raw_socket(io), io

    def exec_resize(self, exec_id: str, height: int, width: int) -> None:
        """Set the terminal size of an exec session."""
        _call(lambda: self._client.exec_resize(exec_id, height=height, width=width))

    def attach(self, container_id: str) -> tuple[socket.socket, Any]:
        """Attach to the container's stdin/stdout/stderr: (socket, an object to keep alive). Without a TTY the
        output is multiplexed (see frames.py)."""
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        io = _call(lambda: self._client.attach_socket(container_id, params=params))
        return _raw_socket(io), io

    def logs(self, container_id: str, *, follow: bool, timestamps: bool, tail: int | str,
             since: float | None) -> Stream[bytes]:
        """The container's log (stdout and stderr, demultiplexed), following it if asked. Use a clone() client:
        the stream may stay quiet for longer than any read timeout."""
        kwargs: dict[str, Any] = {"stream": True, "follow": follow, "timestamps": timestamps, "tail": tail}
        if since is not None:
            kwargs["since"] = since
        return _call(lambda: self._client.logs(container_id, **kwargs))
