"""Where the Docker daemon is, as the docker CLI finds it: $DOCKER_HOST, else the default socket. Kept out of
scopeprobe.docker so that looking costs nothing: that package loads the docker SDK (6 MB of modules)."""

import os
from collections.abc import Mapping

DEFAULT_HOST = "unix:///var/run/docker.sock"


def docker_host(env: Mapping[str, str] | None = None) -> str:
    """The daemon address the docker CLI would use: $DOCKER_HOST, else unix:///var/run/docker.sock."""
    env = os.environ if env is None else env
    return env.get("DOCKER_HOST") or DEFAULT_HOST


def socket_missing(host: str) -> bool:
    """True for a unix socket address with nothing at its path (no daemon can answer there yet)."""
    return host.startswith("unix://") and not os.path.exists(host.removeprefix("unix://"))
