"""Finding the API server as every client does: --kubeconfig FILE, else in-cluster (a pod's service account),
else $KUBECONFIG, else ~/.kube/config. None of them: Kubernetes stays off, and the probe says so once."""

import os
from collections.abc import Mapping
from pathlib import Path

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

_POOL = 32
_SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class NoApiServer(Exception):
    """No way to reach an API server was found (or the one found does not load)."""


def api_client(kubeconfig: str | None = None, env: Mapping[str, str] | None = None) -> tuple[client.ApiClient, str]:
    """An ApiClient and where its configuration came from; raises NoApiServer."""
    env = os.environ if env is None else env
    c = client.Configuration()
    # One long-lived watch per resource shares the pool with lists and controls: room for all of them.
    c.connection_pool_maxsize = _POOL
    try:
        if kubeconfig:
            config.load_kube_config(config_file=kubeconfig, client_configuration=c)
            return client.ApiClient(c), f"kubeconfig {kubeconfig}"
        if env.get("KUBERNETES_SERVICE_HOST") and _SERVICE_ACCOUNT.is_file():
            config.load_incluster_config(client_configuration=c)
            return client.ApiClient(c), "in-cluster service account"
        home = Path(env.get("HOME") or Path.home())
        for path in [*filter(None, env.get("KUBECONFIG", "").split(os.pathsep)), str(home / ".kube/config")]:
            if Path(path).is_file():
                config.load_kube_config(config_file=path, client_configuration=c)
                return client.ApiClient(c), f"kubeconfig {path}"
    except (ConfigException, OSError, ValueError, TypeError) as e:
        raise NoApiServer(f"the Kubernetes configuration does not load: {e}") from e
    raise NoApiServer("no Kubernetes API server configured (not in a pod, no $KUBECONFIG, no --kubeconfig)")
