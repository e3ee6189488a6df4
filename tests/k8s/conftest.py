"""Fixtures of the Kubernetes tests: the fake API server on the real objects of fixtures/k8s, and clients of it.

The fixtures are found like the app tests' (SCOPE_FIXTURES, else ../shared/fixtures beside the repo). Clients are
the official `kubernetes` client built from a kubeconfig the server writes; nothing of the client is mocked.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_apiserver import FakeApiServer
from kubernetes import client, config

_SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"
K8S_FIXTURES = Path(os.environ.get("SCOPE_FIXTURES", _SHARED)) / "k8s"
TOKEN = "scope-test-token"

MakeServer = Callable[..., FakeApiServer]


@pytest.fixture(scope="session")
def k8s_fixtures() -> Path:
    """fixtures/k8s: real API objects (see its README.md and API-FACTS.md)."""
    if not (K8S_FIXTURES / "pods.json").is_file():
        pytest.skip(f"Kubernetes fixtures not found at {K8S_FIXTURES} (set SCOPE_FIXTURES)")
    return K8S_FIXTURES


@pytest.fixture
def make_apiserver(k8s_fixtures: Path) -> Iterator[MakeServer]:
    """`make_apiserver(bookmark_interval=None, ...)`: a started fake API server, stopped at teardown."""
    servers: list[FakeApiServer] = []

    def make(**options: Any) -> FakeApiServer:
        options.setdefault("token", TOKEN)
        servers.append(FakeApiServer(k8s_fixtures, **options).start())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def apiserver(make_apiserver: MakeServer) -> FakeApiServer:
    """A started fake API server (bearer token TOKEN, a BOOKMARK every second to watches that allow them)."""
    return make_apiserver()


@pytest.fixture
def kubeconfig(apiserver: FakeApiServer, tmp_path: Path) -> Path:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def kube_api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    """An ApiClient of the official client, configured from the kubeconfig (not the global default)."""
    api = config.new_client_from_config(config_file=str(kubeconfig))
    yield api
    api.close()
