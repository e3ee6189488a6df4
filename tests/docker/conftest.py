"""Fixtures of the Docker tests: a private dockerd for the session (privileged tests), and captured API objects.

The daemon is started once per session, on demand, and skipped with the reason when it cannot run (not root, no
docker.io or busybox-static). At the end every container and network it holds is removed and it is stopped by
its pid.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dockerd import PrivateDockerd, why_not

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docker"


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDockerd]:
    """A running private dockerd with local/busybox:latest imported."""
    reason = why_not()
    if reason:
        pytest.skip(reason)
    with PrivateDockerd(tmp_path_factory.mktemp("docker")) as d:
        d.import_busybox()
        yield d


@pytest.fixture(scope="session")
def inspects() -> dict[str, dict[str, Any]]:
    """Inspect JSON of containers in every state, captured from docker 20.10 (see fixtures/docker/README.md)."""
    return json.loads((FIXTURES / "inspect.json").read_text())


@pytest.fixture(scope="session")
def images() -> list[dict[str, Any]]:
    """GET /images/json captured with the inspects."""
    return json.loads((FIXTURES / "images.json").read_text())
