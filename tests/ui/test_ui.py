"""The web UI against a real app and a real probe of this host: views, search (and its parse errors), table,
details, drill-down, URL state, the host's terminal, and the tablet layout."""

import re
import socket
from typing import Any

import pytest
from playwright.sync_api import expect
from world import Scope

pytestmark = pytest.mark.app

HOST = socket.gethostname().split(".")[0]


def open_view(page: Any, scope: Scope, fragment: str) -> None:
    page.goto(f"{scope.url}#!/{fragment}")
    expect(page.locator("[data-test=live]")).to_have_text("live")


def test_view_selector_switches_views_and_sub_views(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "hosts")
    views = page.locator("[data-test=views]")
    expect(views.locator("button[data-topology=hosts]")).to_have_attribute("aria-pressed", "true")
    # Views Scope hides when empty (no Kubernetes, no ECS here) are not offered.
    expect(views.locator("button[data-topology=pods]")).to_have_count(0)
    expect(views.locator("button[data-topology=ecs-tasks]")).to_have_count(0)

    views.locator("button[data-topology=processes]").click()
    expect(page).to_have_url(re.compile(r"#!/processes"))
    page.locator("[data-test=subviews] button[data-topology=processes-by-name]").click()
    expect(page).to_have_url(re.compile(r"#!/processes-by-name"))
    expect(page.locator("[data-test=breadcrumb]")).to_have_text("Processes by name")
    page.go_back()
    expect(page).to_have_url(re.compile(r"#!/processes($|\?)"))
    # The option panel shows the view's options with Scope's values, the default chosen.
    expect(page.locator("[data-option=unconnected] button[data-value=hide]")).to_have_attribute("aria-checked", "true")
    page.locator("[data-option=unconnected] button[data-value=show]").click()
    expect(page).to_have_url(re.compile(r"o\.unconnected=show"))
    page.locator("[data-test=mode-table]").click()
    expect(page.locator("[data-test=table] .tviewport .trow").first).to_be_visible()
    count = page.evaluate("scope.visible.nodes.size")
    assert count > 10, "every process of this host is shown once unconnected ones are"


def test_search_highlights_pins_and_shows_parse_errors(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "processes?o.unconnected=show&mode=table")
    rows = page.locator("[data-test=table] .tviewport .trow:not([hidden])")
    expect(rows.first).to_be_visible()
    total = page.evaluate("scope.visible.nodes.size")

    search = page.locator("[data-test=search]")
    search.fill("scopecli")  # the app and probe of this test run as `python -c "import ... scopecli ..."`
    expect(page.locator("[data-test=search-matches]")).to_have_text(re.compile(r"^[1-9]\d* match$"))
    expect(rows).not_to_have_count(total)  # the table shows only the matches
    for text in rows.all_inner_texts():
        assert "python" in text.lower()

    search.fill("cpu > lots")
    error = page.locator("[data-test=search-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("expected a number")
    expect(error.locator("mark")).to_have_text("l")  # the caret sits where parsing stopped

    search.fill("cpu > lots")
    search.press("Enter")  # a query that does not parse is not pinned
    expect(page.locator("[data-test=pinned] .chip")).to_have_count(0)

    search.fill("scopecli")
    search.press("Enter")
    expect(page.locator("[data-test=pinned] .chip")).to_have_text(["scopecli"])
    expect(search).to_have_value("")
    expect(error).to_be_hidden()
    expect(page).to_have_url(re.compile(r"pin=scopecli"))
    page.wait_for_function("scope.visible.nodes.size > 0 && scope.visible.nodes.size < scope.nodes.nodes.size")
    # Pinned terms are ANDed: a second one narrows further, down to nothing.
    search.fill("no-such-process-anywhere")
    search.press("Enter")
    page.wait_for_function("scope.visible.nodes.size === 0")
    page.locator("[data-test=pinned] .chip-x").last.click()
    page.wait_for_function("scope.visible.nodes.size > 0")


def test_table_sorts_by_metric_and_opens_details(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "processes?o.unconnected=show&mode=table")
    header = page.locator("[data-test=table] .thead [data-col=process_memory_usage_bytes]")
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    page.wait_for_timeout(300)
    values = page.evaluate("""() => [...document.querySelectorAll('[data-test=table] .tviewport .trow:not([hidden])')]
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map(r => r.dataset.id)""")
    mem = page.evaluate("""ids => ids.map(id => (scope.nodes.nodes.get(id).metrics || [])
        .find(m => m.id === 'process_memory_usage_bytes')?.value ?? -1)""", values[:20])
    assert mem == sorted(mem, reverse=True)
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")

    page.locator("[data-test=table] .tviewport .trow:not([hidden])").first.click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).not_to_be_empty()
    expect(details.locator("[data-metric=process_memory_usage_bytes]")).to_be_visible()
    expect(details.locator("table.kv").first).to_contain_text("PID")
    expect(page).to_have_url(re.compile(r"node=[^&]+"))


def test_host_details_sparklines_links_and_drill_down(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "hosts?mode=table")
    page.locator("[data-test=table] .tviewport .trow:not(.pseudo)").first.click()
    details = page.locator("[data-test=details]")
    expect(details.locator("[data-test=details-title]")).to_have_text(HOST)
    cpu = details.locator("[data-metric=host_cpu_usage_percent]")
    expect(cpu.locator("polyline")).to_have_count(1)  # samples drawn as a sparkline
    expect(cpu.locator(".metric-value")).to_have_text(re.compile(r"%$"))
    expect(details.locator("[data-metric=host_mem_usage_bytes] .limit")).to_contain_text("of")
    expect(details).to_contain_text("Kernel version")
    expect(details.locator("button[data-control=host_exec]")).to_be_visible()

    # Drill down: the host's processes, the breadcrumb leads back.
    details.locator("[data-test=drill]").click()
    expect(page).to_have_url(re.compile(r"#!/processes\?.*ctx="))
    crumbs = page.locator("[data-test=breadcrumb]")
    expect(crumbs).to_contain_text(HOST)
    page.wait_for_function("scope.visible.nodes.size > 5")
    page.locator("[data-test=back]").click()
    expect(page).to_have_url(re.compile(r"#!/hosts"))
    expect(details.locator("[data-test=details-title]")).to_have_text(HOST)

    # A child process link leads to that process in the processes view.
    link = details.locator("[data-children=processes] a.node-link").first
    name = link.inner_text()
    link.click()
    expect(page).to_have_url(re.compile(r"#!/processes\?.*node="))
    expect(details.locator("[data-test=details-title]")).to_have_text(name)


def test_state_survives_a_reload(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "processes?o.unconnected=show")
    page.locator("[data-test=search]").fill("scopecli")
    page.locator("[data-test=search]").press("Enter")
    page.locator("[data-test=mode-table]").click()
    page.locator("[data-test=group-by]").select_option("host", force=True)
    expect(page).to_have_url(re.compile(r"pin=scopecli"))
    url = page.url
    page.reload()
    expect(page.locator("[data-test=pinned] .chip")).to_have_text(["scopecli"])
    expect(page.locator("[data-test=mode-table]")).to_have_class(re.compile("active"))
    expect(page.locator("[data-option=unconnected] button[data-value=show]")).to_have_attribute("aria-checked", "true")
    assert page.url == url
    # A saved filter, applied later from the list.
    page.once("dialog", lambda d: d.accept())
    page.locator("[data-test=save-filter]").click()
    page.locator("dialog input").fill("my python")
    page.locator("dialog button[value=ok]").click()
    expect(page.locator("[data-test=saved-list] a")).to_have_text(["my python"])
    page.goto(f"{scope_host.url}#!/hosts")
    page.locator("[data-test=saved-list] a").click()
    expect(page.locator("[data-test=pinned] .chip")).to_have_text(["scopecli"])
    expect(page).to_have_url(re.compile(r"#!/processes"))


def test_host_terminal_echo_resize_and_reattach(page: Any, scope_host: Scope) -> None:
    open_view(page, scope_host, "hosts?mode=table")
    page.locator("[data-test=table] .tviewport .trow:not(.pseudo)").first.click()
    page.locator("button[data-control=host_exec]").click()
    term = page.locator("[data-test=terminal]")
    expect(term.locator(".term-state")).to_have_text("connected")
    rows = term.locator(".xterm-rows")
    term.locator(".xterm-screen").click()
    page.keyboard.type("echo round-$((40+2))-trip\n")
    expect(rows).to_contain_text("round-42-trip")
    # The terminal's size reached the shell (resize control through the probe).
    page.wait_for_timeout(500)
    page.keyboard.type("stty size\n")
    expect(rows).to_contain_text(re.compile(r"stty size\d+ \d+"))
    lines = page.evaluate(
        "[...document.querySelectorAll('[data-test=terminal] .xterm-rows > div')].map(r => r.textContent)")
    size = next(lines[i + 1] for i, line in enumerate(lines) if line.rstrip().endswith("stty size"))
    shell_rows, shell_cols = map(int, size.split())
    assert shell_rows == len(lines) and shell_cols > 40, (size, len(lines))

    # A reload re-attaches to the same shell (its pipe ID was kept in sessionStorage).
    page.keyboard.type("export MARK=still-$((1+1))\n")
    page.wait_for_timeout(300)
    page.reload()
    term = page.locator("[data-test=terminal]")
    expect(term.locator(".term-state")).to_have_text("connected")
    term.locator(".xterm-screen").click()
    page.keyboard.type("echo $MARK\n")
    expect(term.locator(".xterm-rows")).to_contain_text("still-2")

    # Closing the tab ends the shell: the pipe is gone from the app.
    pipe = term.get_attribute("data-pipe")
    page.locator("[data-test=dock-tab] .tab-close").click()
    expect(page.locator("[data-test=dock]")).to_be_hidden()
    page.wait_for_function("id => fetch(`api/pipe/${id}/check`).then(r => r.status === 404)", arg=pipe)


def test_tablet_width_turns_panels_into_drawers(browser: Any, scope_host: Scope) -> None:
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    try:
        open_view(page, scope_host, "hosts?mode=table")
        filters = page.locator("[data-test=filters]")
        box = filters.bounding_box()
        assert box is None or box["x"] + box["width"] <= 1, "the filter panel is off screen until opened"
        page.get_by_role("button", name="Filters").click()
        page.wait_for_timeout(400)
        box = filters.bounding_box()
        assert box is not None and box["x"] >= 0 and box["width"] > 200
        page.locator(".scrim").click(position={"x": 700, "y": 300})
        page.wait_for_timeout(400)
        page.locator("[data-test=table] .tviewport .trow:not(.pseudo)").first.click()  # opens the details drawer
        page.wait_for_timeout(400)
        details = page.locator("[data-test=details]").bounding_box()
        assert details is not None and details["x"] + details["width"] <= 768 + 1 and details["x"] > 300
        page.get_by_role("button", name="Details", exact=True).click()
        page.wait_for_timeout(400)
        details = page.locator("[data-test=details]").bounding_box()
        assert details is None or details["x"] >= 768 - 1, "closed again"
    finally:
        context.close()
