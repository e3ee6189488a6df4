"""Fixtures of the UI tests: the built bundle, a headless Chromium (the Debian one, never Playwright's own download), a
real app with a real probe of this host, and for the Docker tests the same with a private dockerd and demo
containers. Everything is skipped with the reason when chromium, node, root or dockerd is missing."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docker"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "k8s"))  # fake_apiserver, for test_ui_kubernetes

from world import Scope, build_ui, remove_demo, run_demo, why_no_build

NETWORK = "scopeuitest"


@pytest.fixture(scope="session")
def ui_bundle() -> None:
    """The UI bundle, rebuilt with npm when a frontend source is newer."""
    reason = why_no_build()
    if reason:
        pytest.skip(reason)
    build_ui()


@pytest.fixture(scope="session")
def browser(ui_bundle: None, chromium: Any) -> Any:
    """The session's headless Chromium (the root conftest's), once the bundle is built."""
    return chromium


@pytest.fixture(scope="module")
def scope_host(tmp_path_factory: pytest.TempPathFactory, ui_bundle: None) -> Iterator[Scope]:
    """`scope app` and a probe of this host (no Docker, no eBPF: processes and the host are enough here)."""
    with Scope(tmp_path_factory.mktemp("scope"), probe_args=["--no-docker", "--no-ebpf", "--no-conntrack"]) as s:
        yield s


@pytest.fixture(scope="module")
def scope_docker(tmp_path_factory: pytest.TempPathFactory,
                 ui_bundle: None) -> Iterator[tuple[Scope, Any, dict[str, str]]]:
    """A private dockerd running the demo containers, and an app with a probe that sees them."""
    from dockerd import PrivateDockerd, why_not

    reason = why_not()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("scope-docker")
    with PrivateDockerd(root / "docker") as d:
        d.import_busybox()
        made = run_demo(d.api, NETWORK)
        try:
            with Scope(root, env=d.env, probe_args=["--no-ebpf", "--no-conntrack"]) as s:
                yield s, d.api, made
        finally:
            remove_demo(d.api, made, NETWORK)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own storage) that fails the test on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
    assert not errors, f"script errors in the page: {errors}"
