"""Finding the API server as every client does: --kubeconfig FILE, else in-cluster (a pod's service account),
else $KUBECONFIG, else ~/.kube/config. None of them: Kubernetes stays off, and the probe says so once."""

import enum
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_POOL = 32
_SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class Role(enum.StrEnum):
    """What this probe watches (`scope probe --kubernetes-role`)."""

    HOST = "host"
    CLUSTER = "cluster"
    ALL = "all"


class NoApiServer(Exception):
    """No way to reach an API server was found (or the one found does not load)."""


def find_config(kubeconfig: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The kubeconfig path to use, "" for in-cluster, or None: looked up without importing the client (40 MB of
    modules a probe without Kubernetes should not pay for)."""
    env = os.environ if env is None else env
    if kubeconfig:
        return kubeconfig
    if env.get("KUBERNETES_SERVICE_HOST") and _SERVICE_ACCOUNT.is_file():
        return ""
    home = Path(env.get("HOME") or Path.home())
    for path in [*filter(None, env.get("KUBECONFIG", "").split(os.pathsep)), str(home / ".kube/config")]:
        if Path(path).is_file():
            return path
    return None


def api_client(kubeconfig: str | None = None, env: Mapping[str, str] | None = None) -> tuple[Any, str]:
    """An ApiClient of the official client and where its configuration came from; raises NoApiServer."""
    found = find_config(kubeconfig, env)
    if found is None:
        raise NoApiServer("no Kubernetes API server configured (not in a pod, no $KUBECONFIG, no --kubeconfig)")
    from kubernetes import client, config  # only now: see find_config
    from kubernetes.config.config_exception import ConfigException

    c = client.Configuration()
    # One long-lived watch per resource shares the pool with lists and controls: room for all of them.
    c.connection_pool_maxsize = _POOL
    try:
        if found:
            config.load_kube_config(config_file=found, client_configuration=c)
        else:
            config.load_incluster_config(client_configuration=c)
    except (ConfigException, OSError, ValueError, TypeError) as e:
        raise NoApiServer(f"the Kubernetes configuration does not load: {e}") from e
    return client.ApiClient(c), f"kubeconfig {found}" if found else "in-cluster service account"
