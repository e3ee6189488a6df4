"""Weave Scope plugins: HTTP servers on unix sockets under a directory (default /var/run/scope/plugins).

As Scope's probe does: every socket found (recursively) is a plugin whose ID is the socket's name without
`.sock`; each tick the probe asks it `GET /report?api_version=1&probe_id=...` (500 ms, at most 50 MB) and merges
what it answers, if that is a report with exactly one plugin spec of that ID, api_version "1" and the
"reporter" interface. Its controls are namespaced `<plugin>~<control>` and `POST /control` goes back to it (if it
declares "controller"). A plugin that is slow or answers garbage is left out of that tick, with a log line.
"""

import asyncio
import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from scopecore import DecodeError
from scopecore.codec import JSON, loads
from scopecore.report import LatestMap, Node, Report, Topology

log = logging.getLogger("scopeprobe.plugins")
ROOT = Path("/var/run/scope/plugins")
_ID = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")
TIMEOUT = 0.5
MAX_BYTES = 50 * 1024 * 1024
SEP = "~"


class PluginError(Exception):
    """A plugin's answer that cannot be used."""


def _namespaced(plugin_id: str, report: Report) -> Report:
    """The plugin's controls renamed `<plugin>~<control>`, in topologies and in nodes' active_controls."""
    def node(n: Node) -> Node:
        entry = n.latest.entry("active_controls")
        if entry is None:
            return n
        ts, value = entry
        names = ";".join(f"{plugin_id}{SEP}{c}" for c in value.split(";") if c)
        return replace(n, latest=LatestMap({**n.latest.entries, "active_controls": (ts, names)}))

    topologies: dict[Any, Topology] = {}
    for kind, t in report.topologies.items():
        controls = {f"{plugin_id}{SEP}{k}": replace(c, id=f"{plugin_id}{SEP}{c.id}") for k, c in t.controls.items()}
        topologies[kind] = replace(t, controls=controls, nodes={k: node(n) for k, n in t.nodes.items()})
    return replace(report, topologies=topologies)


class Plugins:
    """The plugins found under a directory, asked for reports and controls."""

    def __init__(self, root: Path = ROOT, probe_id: str = "", timeout: float = TIMEOUT) -> None:
        self.root, self.probe_id, self.timeout = root, probe_id, timeout
        self.sockets: dict[str, Path] = {}
        self.controllers: set[str] = set()
        self._complained: set[tuple[str, str]] = set()

    def scan(self) -> None:
        """Find the plugin sockets (Scope rescans every 5 s; the probe calls this as often)."""
        found: dict[str, Path] = {}
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                plugin_id = path.name.removesuffix(".sock")
                if path.is_socket() and _ID.match(plugin_id):
                    found[plugin_id] = path
        for gone in self.sockets.keys() - found.keys():
            log.info("plugin gone", extra={"plugin": gone})
        for new in found.keys() - self.sockets.keys():
            log.info("plugin found", extra={"plugin": new, "socket": str(found[new])})
        self.sockets = found

    async def reports(self) -> list[Report]:
        """Every plugin's report this tick; the ones that fail are left out (and logged once per reason)."""
        results = await asyncio.gather(*(self._report(pid, path) for pid, path in self.sockets.items()),
                                       return_exceptions=True)
        out = []
        for (pid, _), r in zip(self.sockets.items(), results, strict=True):
            if isinstance(r, Report):
                out.append(r)
                self._complained = {c for c in self._complained if c[0] != pid}
            else:
                reason = str(r) or type(r).__name__
                if (pid, reason) not in self._complained:
                    self._complained.add((pid, reason))
                    log.warning("plugin report dropped this tick", extra={"plugin": pid, "reason": reason})
        return out

    async def _report(self, plugin_id: str, path: Path) -> Report:
        body = await self._request(path, "GET", f"/report?api_version=1&probe_id={self.probe_id}")
        try:
            report = loads(body, JSON, max_size=MAX_BYTES)
        except DecodeError as e:
            raise PluginError(f"not a report: {e}") from None
        specs = list(report.plugins.values())
        if len(specs) != 1 or specs[0].id != plugin_id:
            raise PluginError(f"expected exactly one plugin spec with id {plugin_id!r}")
        spec = specs[0]
        if spec.api_version != "1" or "reporter" not in spec.interfaces or not spec.label:
            raise PluginError("the spec needs api_version \"1\", a label and the \"reporter\" interface")
        if "controller" in spec.interfaces:
            self.controllers.add(plugin_id)
        else:
            self.controllers.discard(plugin_id)
        return _namespaced(plugin_id, report)

    async def control(self, control: str, node_id: str, args: dict[str, Any], app_id: str = "") -> dict[str, Any]:
        """Route `<plugin>~<control>` to its plugin; Scope's answer shape."""
        plugin_id, _, name = control.partition(SEP)
        path = self.sockets.get(plugin_id)
        if path is None or plugin_id not in self.controllers:
            return {"error": f"no plugin {plugin_id!r} with controls"}
        payload = json.dumps({"AppID": app_id, "NodeID": node_id, "Control": name, "ControlArgs": args}).encode()
        try:
            body = json.loads(await self._request(path, "POST", "/control", payload))
        except (PluginError, ValueError) as e:
            return {"error": f"plugin {plugin_id}: {e}"}
        if not isinstance(body, dict):
            return {"error": f"plugin {plugin_id}: answer is not an object"}
        return {"error": body["error"]} if body.get("error") else {}

    async def _request(self, path: Path, method: str, target: str, data: bytes | None = None) -> bytes:
        import aiohttp  # 8 MB of modules, only for probes that have plugins

        try:
            async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path)),
                                             timeout=aiohttp.ClientTimeout(total=self.timeout)) as s, \
                    s.request(method, f"http://plugin{target}", data=data) as resp:
                if resp.status != 200:
                    raise PluginError(f"HTTP {resp.status}")
                body = await resp.content.read(MAX_BYTES + 1)
        except (aiohttp.ClientError, OSError) as e:
            raise PluginError(f"unreachable: {e}") from None
        except TimeoutError:
            raise PluginError(f"no answer within {self.timeout * 1000:.0f} ms") from None
        if len(body) > MAX_BYTES:
            raise PluginError("answer larger than 50 MB")
        return body




def active_controls_patch(own: Report, plugin_reports: list[Report]) -> Report:
    """A report that makes each node's active controls the union of the probe's and its plugins'.

    Active controls are one `;`-joined latest value, so merging by last-writer-wins would let a plugin hide the
    probe's own controls or the reverse (Scope's probe lost host_exec that way). The patch is stamped 1 ns after
    the newest of the values it unites, so it wins, and stays the same while they do."""
    wanted: dict[tuple[Any, str], tuple[int, set[str]]] = {}
    for r in plugin_reports:
        for kind, topo in r.topologies.items():
            for nid, n in topo.nodes.items():
                entry = n.latest.entry("active_controls")
                if entry is None:
                    continue
                ts, names = wanted.get((kind, nid), (entry[0], set()))
                wanted[(kind, nid)] = (max(ts, entry[0]), names | set(filter(None, entry[1].split(";"))))
    patch = Report()
    for (kind, nid), (ts, names) in wanted.items():
        mine = own.nodes(kind).get(nid)
        entry = mine.latest.entry("active_controls") if mine is not None else None
        if entry is not None:
            ts = max(ts, entry[0])
            names |= set(filter(None, entry[1].split(";")))
        latest = LatestMap({"active_controls": (ts + 1, ";".join(sorted(names)))})
        patch = patch.with_node(kind, Node(nid, latest=latest))
    return patch
