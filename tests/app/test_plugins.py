"""Scope plugins with our probe: real plugin servers on unix sockets speaking Scope's plugin protocol
(GET /report?api_version=1, POST /control); their nodes reach the app and their controls route back to them.
A slow plugin and one answering garbage are left out with a log line, without harming the rest."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from scopeapp.keys import GRPC_PORT
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = pytest.mark.app


def _report(plugin_id: str, host_id: str) -> dict[str, Any]:
    return {
        "Plugins": [{"id": plugin_id, "label": "IO wait", "description": "test plugin",
                     "interfaces": ["reporter", "controller"], "api_version": "1"}],
        "Host": {
            "controls": {"switch": {"id": "switch", "human": "Switch mode", "icon": "fa fa-exchange", "rank": 1}},
            "metadata_templates": {"iowait": {"id": "iowait", "label": "IO wait", "priority": 0.1, "from": "latest"}},
            "nodes": {host_id: {"id": host_id, "topology": "host", "latest": {
                "iowait": {"timestamp": "2026-12-04T20:00:00Z", "value": "0.42"},
                "active_controls": {"timestamp": "2026-12-04T20:00:00Z", "value": "switch"}}}},
        },
    }


@pytest.fixture
async def plugins_dir(tmp_path: Path) -> AsyncIterator[tuple[Path, list[dict[str, Any]]]]:
    """Three plugins: iowait (good, with a control), slow (answers after 2 s), garbage (not a report)."""
    calls: list[dict[str, Any]] = []
    runners = []
    root = tmp_path / "plugins"
    root.mkdir()

    async def start(name: str, handler: Any, control: Any = None) -> None:
        app = web.Application()
        app.router.add_get("/report", handler)
        if control is not None:
            app.router.add_post("/control", control)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.UnixSite(runner, str(root / f"{name}.sock")).start()
        runners.append(runner)

    host_id = __import__("socket").gethostname() + ";<host>"

    async def good(request: web.Request) -> web.Response:
        assert request.query["api_version"] == "1" and request.query["probe_id"]
        return web.json_response(_report("iowait", host_id))

    async def control(request: web.Request) -> web.Response:
        calls.append(await request.json())
        return web.json_response({})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response(_report("slow", host_id))

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="{not json")

    await start("iowait", good, control)
    await start("slow", slow)
    await start("garbage", garbage)
    try:
        yield root, calls
    finally:
        for r in runners:
            await r.cleanup()


async def test_plugins_report_and_control(make_client: Any, plugins_dir: Any, wait_until: Any,
                                          caplog: pytest.LogCaptureFixture) -> None:
    root, calls = plugins_dir
    client = await make_client()
    probe = Probe(ProbeConfig(apps=[f"127.0.0.1:{client.server.app[GRPC_PORT][0]}"], spy_interval=0.3,
                              publish_interval=0.6, plugins_root=root, ebpf=False, conntrack=False, docker=False))
    task = asyncio.create_task(probe.run())
    host = f"{probe.hostname}%3B%3Chost%3E"
    try:
        async def has_iowait() -> bool:
            resp = await client.get(f"/api/topology/hosts/{host}")
            if resp.status != 200:
                return False
            node = (await resp.json())["node"]
            return any(m["id"] == "iowait" for m in node["metadata"]) and any(
                c["id"] == "iowait~switch" for c in node["controls"])

        await wait_until(has_iowait, timeout=20)
        resp = await client.post(f"/api/control/{probe.config.probe_id}/{host}/iowait~switch", json={"mode": "b"})
        assert resp.status == 200, await resp.text()
        assert calls == [{"AppID": "", "NodeID": f"{probe.hostname};<host>", "Control": "switch",
                          "ControlArgs": {"mode": "b"}}]
        messages = " ".join(str(r.__dict__) for r in caplog.records)
        assert "slow" in messages and "garbage" in messages
        report = json.loads(await (await client.get("/api/report")).read())
        assert [p["id"] for p in report["Plugins"]] == ["iowait"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
