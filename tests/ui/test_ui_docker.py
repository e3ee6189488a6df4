"""The web UI with real containers (a private dockerd, tests/docker/dockerd.py): a control changing a container's
state (pause/unpause, alone and in a batch), the logs viewer, a shell in a container, and drilling from the
host to its containers."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from world import Scope

pytestmark = [pytest.mark.app, pytest.mark.privileged]


def containers_table(page: Any, scope: Scope) -> Any:
    page.goto(f"{scope.url}#!/containers?mode=table")
    expect(page.locator("[data-test=live]")).to_have_text("live")
    table = page.locator("[data-test=table]")
    expect(table.locator(".tviewport .trow", has_text="shop-worker")).to_be_visible(timeout=30_000)
    return table


def state(api: Any, cid: str) -> str:
    return str(api.inspect_container(cid)["State"]["Status"])


def test_pause_and_unpause_change_the_container_and_its_controls(page: Any, scope_docker: Any) -> None:
    scope, api, made = scope_docker
    table = containers_table(page, scope)
    table.locator(".tviewport .trow", has_text="shop-db").click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).to_have_text("shop-db")
    details.locator("button[data-control=docker_pause_container]").click()
    expect(details.locator("[data-test=control-result]")).to_have_text("Pause: done")
    assert state(api, made["shop-db"]) == "paused"
    # The new state reaches the page through the websocket and the refetched details.
    expect(details.locator("button[data-control=docker_unpause_container]")).to_be_visible(timeout=15_000)
    expect(details.locator("button[data-control=docker_pause_container]")).to_have_count(0)
    expect(details.locator("[data-section=metadata]")).to_contain_text("Paused")
    details.locator("button[data-control=docker_unpause_container]").click()
    expect(details.locator("button[data-control=docker_pause_container]")).to_be_visible(timeout=15_000)
    assert state(api, made["shop-db"]) == "running"


def test_stop_asks_first(page: Any, scope_docker: Any) -> None:
    scope, api, made = scope_docker
    table = containers_table(page, scope)
    table.locator(".tviewport .trow", has_text="shop-web").click()
    page.locator("[data-test=details] button[data-control=docker_stop_container]").click()
    dialog = page.locator("[data-test=confirm]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("shop-web")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert state(api, made["shop-web"]) == "running"


def test_batch_pause_of_two_selected_containers(page: Any, scope_docker: Any) -> None:
    scope, api, made = scope_docker
    table = containers_table(page, scope)
    table.locator(".tviewport .trow", has_text="shop-api").click()
    table.locator(".tviewport .trow", has_text="shop-worker").click(modifiers=["Control"])
    batch = page.locator("[data-test=batch]")
    expect(batch).to_contain_text("2 nodes selected")
    batch.locator("button[data-control=docker_pause_container]").click()
    expect(batch.locator("[data-test=batch-result]")).to_have_text("Pause: 2 done")
    assert state(api, made["shop-api"]) == state(api, made["shop-worker"]) == "paused"
    batch.locator("button[data-control=docker_unpause_container]").click()
    expect(batch.locator("[data-test=batch-result]")).to_have_text("Unpause: 2 done")
    assert state(api, made["shop-api"]) == state(api, made["shop-worker"]) == "running"


def test_logs_stream_filter_search_and_download(page: Any, scope_docker: Any) -> None:
    scope, _api, _made = scope_docker
    table = containers_table(page, scope)
    table.locator(".tviewport .trow", has_text="shop-worker").click()
    page.locator("[data-test=details] button[data-control=docker_get_logs]").click()
    logs = page.locator("[data-test=logs]")
    expect(logs.locator(".lline.info").first).to_contain_text("INFO job")
    # Live: new lines keep coming.
    first = page.evaluate("document.querySelectorAll('[data-test=logs] .lline').length")
    expect(logs.locator(".lline.error").first).to_contain_text("ERROR", timeout=15_000)
    assert first > 0

    # Levels: only errors.
    for level in ("warn", "info", "debug", "other"):
        logs.locator(f"input[data-level={level}]").uncheck()
    visible = logs.locator(".lline:not([hidden]) .msg")
    expect(visible.first).to_contain_text("ERROR")
    assert all("ERROR" in t for t in visible.all_inner_texts())

    # Search inside the shown lines, with the match marked.
    logs.locator("input[data-level=info]").check()
    logs.locator("[data-test=logs-search]").fill("job \\d+ done")
    expect(visible.first.locator("mark")).to_have_text(re.compile(r"job \d+ done"))
    assert all(re.search(r"job \d+ done", t) for t in visible.all_inner_texts())

    # Timestamps off hides docker's RFC 3339 prefix.
    ts = logs.locator(".lline:not([hidden]) .ts").first
    expect(ts).to_have_text(re.compile(r"^\d{4}-\d\d-\d\dT"))
    logs.locator("[data-test=logs-timestamps]").uncheck()
    expect(ts).to_be_hidden()

    with page.expect_download() as dl:
        logs.locator("[data-test=logs-download]").click()
    text = Path(dl.value.path()).read_text()
    assert "INFO job" in text and "ERROR job" in text


def test_exec_shell_in_a_container(page: Any, scope_docker: Any) -> None:
    scope, _api, _made = scope_docker
    table = containers_table(page, scope)
    table.locator(".tviewport .trow", has_text="shop-db").click()
    page.locator("[data-test=details] button[data-control=docker_exec_container]").click()
    term = page.locator("[data-test=terminal]")
    expect(term.locator(".term-state")).to_have_text("connected")
    term.locator(".xterm-screen").click()
    page.keyboard.type("hostname; echo in-$((20+3))\n")
    expect(term.locator(".xterm-rows")).to_contain_text("in-23")
    expect(term.locator(".xterm-rows")).to_contain_text("shop-db")
    page.locator("[data-test=dock-tab] .tab-close").click()


def test_drill_from_host_to_containers_to_processes(page: Any, scope_docker: Any) -> None:
    scope, _api, _made = scope_docker
    page.goto(f"{scope.url}#!/hosts?mode=table")
    page.locator("[data-test=table] .tviewport .trow:not(.pseudo)").first.dblclick()
    expect(page).to_have_url(re.compile(r"#!/containers\?.*ctx="))
    table = page.locator("[data-test=table]")
    expect(table.locator(".tviewport .trow", has_text="shop-worker")).to_be_visible()
    table.locator(".tviewport .trow", has_text="shop-worker").dblclick()
    expect(page).to_have_url(re.compile(r"#!/processes\?.*ctx="))
    crumbs = page.locator("[data-test=breadcrumb]")
    expect(crumbs).to_contain_text("shop-worker")
    # Only the worker's processes: its shell loop (and whatever it runs at the moment).
    page.wait_for_function("""() => scope.visible.nodes.size > 0 && [...scope.visible.nodes.values()].every(n =>
        (n.parents || []).some(p => p.label === 'shop-worker'))""")
    page.go_back()
    expect(page).to_have_url(re.compile(r"#!/containers\?.*ctx="))
    crumbs.get_by_role("button").nth(1).click()  # the first crumb: back to the hosts
    expect(page).to_have_url(re.compile(r"#!/hosts"))
