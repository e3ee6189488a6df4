"""Live behaviour: the websocket reconnecting by itself after the app restarts, a probe going offline, a token
given once in the URL, selecting in the map, and a 10,000-node table that stays fast."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from world import Scope

pytestmark = pytest.mark.app

PROBE_ARGS = ["--no-docker", "--no-ebpf", "--no-conntrack"]


@pytest.fixture
def own_scope(tmp_path: Path, ui_bundle: None) -> Iterator[Scope]:
    """An app and probe of this test alone (it stops or restarts them); a short window for a quick offline."""
    with Scope(tmp_path, probe_args=PROBE_ARGS, app_args=["--window", "3s"]) as s:
        yield s


def test_reconnects_after_the_app_restarts(page: Any, own_scope: Scope) -> None:
    page.goto(f"{own_scope.url}#!/hosts?mode=table")
    live = page.locator("[data-test=live]")
    expect(live).to_have_text("live")
    own_scope.restart_app(down=1.5)
    # It noticed, and came back by itself with a fresh reset once the probe published again.
    expect(live).to_have_text("live", timeout=30_000)
    expect(page.locator("[data-test=table] .tviewport .trow:not(.pseudo)")).to_have_count(1, timeout=30_000)


def test_a_probe_going_offline_is_shown(page: Any, own_scope: Scope) -> None:
    page.goto(f"{own_scope.url}#!/hosts")
    probes = page.locator("[data-test=probes]")
    expect(probes).to_contain_text("1 probe online")
    own_scope.stop_probe()
    expect(probes).to_contain_text("1 offline", timeout=20_000)
    expect(page.locator(".toast.error")).to_contain_text("went offline")


def test_token_from_the_url_is_kept_for_the_tab(browser: Any, tmp_path: Path, ui_bundle: None) -> None:
    env = {"SCOPE_ADMIN_TOKEN": "admin-secret-1", "SCOPE_PROBE_TOKEN": "probe-secret-1"}
    with Scope(tmp_path, env=env, probe_args=[*PROBE_ARGS, "--token", "probe-secret-1"]) as scope:
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(f"{scope.url}?token=admin-secret-1#!/hosts?mode=table")
            expect(page.locator("[data-test=live]")).to_have_text("live")  # the websocket's token parameter
            assert "token" not in page.url  # not left in the address bar, where links are copied from
            page.locator("[data-test=table] .tviewport .trow:not(.pseudo)").first.click()
            expect(page.locator("[data-test=details-title]")).not_to_be_empty()  # fetch with the bearer header
            page.reload()
            expect(page.locator("[data-test=live]")).to_have_text("live")

            # A new tab without the token is asked for one.
            other = context.new_page()
            other.goto(f"{scope.url}#!/hosts")
            dialog = other.locator("dialog")
            expect(dialog).to_contain_text("access token")
            dialog.locator("input").fill("admin-secret-1")
            dialog.locator("button[value=ok]").click()
            expect(other.locator("[data-test=live]")).to_have_text("live")
        finally:
            context.close()


def test_selecting_in_the_map(page: Any, scope_host: Scope) -> None:
    page.goto(f"{scope_host.url}#!/processes?o.unconnected=show")
    expect(page.locator("[data-test=live]")).to_have_text("live")
    page.wait_for_function("scope.map.graph && scope.map.graph.counts().nodes > 5")
    page.evaluate("scope.map.graph.layoutIdle()")

    def click_node(index: int, modifiers: list[str] | None = None) -> str:
        # The layout may still move nodes as processes come and go: aim again until the click lands.
        for _ in range(10):
            page.evaluate("scope.map.graph.layoutIdle()")
            node_id, x, y = page.evaluate("""i => {
                const g = scope.map.graph, ids = g.displayNodes().filter(id => !id.startsWith('cluster:')).sort();
                const p = g.renderer().graphToViewport(g.nodePosition(ids[i]));
                return [ids[i], p.x, p.y]; }""", index)
            page.locator("[data-test=map]").click(position={"x": x, "y": y}, modifiers=modifiers or [])
            if page.evaluate("id => scope.selection.has(id)", node_id):
                return str(node_id)
        raise AssertionError("could not click a node of the map")

    first = click_node(0)
    expect(page).to_have_url(re.compile("node="))
    label = page.evaluate("id => scope.nodes.nodes.get(id).label", first)
    expect(page.locator("[data-test=details-title]")).to_have_text(label)
    click_node(1, ["Control"])
    expect(page.locator("[data-test=batch]")).to_contain_text("2 nodes selected")


def test_ten_thousand_rows_stay_fast(page: Any, scope_host: Scope) -> None:
    # An empty view (Weave Net) fed 10,000 synthetic nodes as if from the websocket.
    page.goto(f"{scope_host.url}#!/weave?mode=table")
    expect(page.locator("[data-test=live]")).to_have_text("live")
    took = page.evaluate("""async () => {
        const metric = (id, label, format, value, priority) => ({ id, label, format, value, priority });
        const nodes = Array.from({ length: 10000 }, (_, i) => ({
            id: `n${i}`, label: `node-${String(i).padStart(5, '0')}`, labelMinor: `host-${i % 50}`,
            metrics: [metric('cpu', 'CPU', 'percent', (i * 7919) % 1000 / 10, 1),
                      metric('mem', 'Memory', 'filesize', i * 4096, 2)] }));
        const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        let t = performance.now();
        scope.nodes.push({ reset: true, add: nodes });
        await frames();
        const reset = performance.now() - t;
        // 50 messages of 100 updates each within one frame: applied once.
        t = performance.now();
        for (let k = 0; k < 50; k++) {
            scope.nodes.push({ update: nodes.slice(k * 100, k * 100 + 100).map(n => ({ ...n,
                metrics: [metric('cpu', 'CPU', 'percent', 123.4, 1), n.metrics[1]] })) });
        }
        await frames();
        const deltas = performance.now() - t;
        return { reset, deltas, rows: document.querySelectorAll('[data-test=table] .tviewport .trow').length };
    }""")
    assert took["rows"] < 120, "only the rows in sight are in the DOM"
    assert took["reset"] < 1500 and took["deltas"] < 500, took

    header = page.locator("[data-test=table] .thead [data-col=cpu]")
    header.click()  # numeric columns sort descending first
    first = page.locator("[data-test=table] .tviewport .trow:not([hidden])").first
    expect(first).to_contain_text("123.4")  # an updated node: deltas reached the table
    page.locator("[data-test=table] .thead [data-col=label]").click()
    page.locator("[data-test=table] .tviewport").evaluate("v => { v.scrollTop = v.scrollHeight; }")
    expect(page.locator("[data-test=table] .tviewport .trow", has_text="node-09999")).to_be_visible()
    expect(page.locator("[data-test=counts]")).to_contain_text("nodes")
