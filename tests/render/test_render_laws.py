"""Laws, by Hypothesis: rendering a window part by part equals rendering its merge; diff then apply gives the
new state.

Windows are random: 2-3 hosts, processes in and out of containers, connections between hosts that both ends,
one end or the other report (or one reports the socket and the other the connection), connections to and
from the Internet, container-to-container connections only conntrack sees (no pid), containers sharing images
across hosts, stopped containers.
"""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scopecore.render import IncrementalRenderer, apply, diff, render
from scopecore.report import LatestMap, Metric, Metrics, Node, Report, Sets, Topology, TopologyKind, ids

pytestmark = pytest.mark.laws

T0 = 1_700_000_000_000_000_000
DECOMPOSABLE = ["processes", "processes-by-name", "containers", "containers-by-image", "containers-by-hostname",
                "hosts", "weave"]
NAMES = st.sampled_from(["nginx", "db", "app"])
CONTAINERS = st.sampled_from([None, "a", "b"])
EXTERNAL = ["8.8.8.8", "1.2.3.4"]


def _ip(h: int) -> str:
    return f"10.0.0.{h + 1}"


def _host(h: int) -> str:
    return f"h{h}"


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """A window's facts, from which each host's report is built (see reports())."""
    n = draw(st.integers(min_value=2, max_value=3))
    procs = [draw(st.lists(st.tuples(NAMES, CONTAINERS), min_size=1, max_size=4)) for _ in range(n)]
    host = st.integers(min_value=0, max_value=n - 1)
    conns = draw(st.lists(st.tuples(host, st.integers(0, 3), host, st.integers(0, 3),
                                    st.sampled_from(["both", "both", "src", "dst", "split"])), max_size=8))
    outbound = draw(st.lists(st.tuples(host, st.integers(0, 3), st.sampled_from(EXTERNAL)), max_size=2))
    inbound = draw(st.lists(st.tuples(host, st.integers(0, 3), st.sampled_from(EXTERNAL)), max_size=2))
    bridged = draw(st.lists(st.tuples(host, st.sampled_from(["a", "b"]), st.sampled_from(["a", "b"])), max_size=2))
    stopped = draw(st.sets(st.tuples(host, st.sampled_from(["a", "b"])), max_size=1))
    images = draw(st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["img1", "img2"]), min_size=2,
                                  max_size=2))
    tick = draw(st.integers(0, 3))
    return {"n": n, "procs": procs, "conns": conns, "outbound": outbound, "inbound": inbound,
            "bridged": bridged, "stopped": stopped, "images": images, "tick": tick}


def _node(nid: str, topology: str, latest: dict[str, str] | None = None, adjacency: tuple[str, ...] = (),
          t: int = T0, **kw: Any) -> Node:
    return Node(nid, topology, latest=LatestMap.of(latest or {}, t), adjacency=frozenset(adjacency), **kw)


def reports(w: dict[str, Any]) -> dict[str, Report]:
    """One report per host."""
    n, t = w["n"], T0 + w["tick"]
    nodes: list[dict[TopologyKind, dict[str, Node]]] = [{} for _ in range(n)]

    def add(h: int, kind: TopologyKind, node: Node) -> None:
        got = nodes[h].setdefault(kind, {})
        got[node.id] = got[node.id].merge(node) if node.id in got else node

    def cid(h: int, c: str) -> str:
        return f"{h}{c}" * 32

    def pid(i: int) -> int:
        return 100 + i

    for h in range(n):
        hid = ids.host(_host(h))
        add(h, TopologyKind.HOST, _node(hid, "host", {"host_node_id": hid}, t=t,
                                        sets=Sets.of({"local_networks": ["10.0.0.0/24", "172.17.0.1/16"]})))
        for i, (name, c) in enumerate(w["procs"][h]):
            latest = {"pid": str(pid(i)), "name": name, "host_node_id": hid}
            parents = {"host": [hid]}
            if c is not None:
                latest["docker_container_id"] = cid(h, c)
            add(h, TopologyKind.PROCESS, _node(ids.process(_host(h), pid(i)), "process", latest, t=t,
                                               parents=Sets.of(parents),
                                               metrics=Metrics({"cpu": Metric.of([(t, float(i))])})))
        for c in ("a", "b"):
            image = w["images"][c]
            state = "exited" if (h, c) in w["stopped"] else "running"
            add(h, TopologyKind.CONTAINER, _node(ids.container(cid(h, c)), "container", {
                "docker_container_id": cid(h, c), "docker_image_id": image * 8, "docker_container_state": state,
                "docker_container_hostname": f"{c}-{h}", "host_node_id": hid}, t=t,
                sets=Sets.of({"docker_container_ips_with_scopes": [f"{_host(h)};172.17.0.{1 + ord(c) - 96}"]}),
                parents=Sets.of({"host": [hid], "container_image": [ids.container_image(image * 8)]})))
            add(h, TopologyKind.CONTAINER_IMAGE, _node(ids.container_image(image * 8), "container_image", {
                "docker_image_id": image * 8, "docker_image_name": f"org/{image}:1"}, t=t,
                parents=Sets.of({"host": [hid]})))

    def proc(h: int, i: int) -> int:
        return i % len(w["procs"][h])

    for k, (sh, si, dh, di, seen) in enumerate(w["conns"]):
        si, di = proc(sh, si), proc(dh, di)
        client = ids.endpoint("", _ip(sh), 30000 + k)
        server = ids.endpoint("", _ip(dh), 8000 + di)
        owned_client = _node(client, "endpoint", {"pid": str(pid(si)), "host_node_id": ids.host(_host(sh))},
                             (server,), t=t)
        owned_server = _node(server, "endpoint", {"pid": str(pid(di)), "host_node_id": ids.host(_host(dh))}, t=t)
        if seen in ("both", "src"):
            add(sh, TopologyKind.ENDPOINT, owned_client)
            add(sh, TopologyKind.ENDPOINT, _node(server, "endpoint"))
        if seen == "split":
            # The client's probe saw the socket but not yet the connection; the server's probe saw both.
            add(sh, TopologyKind.ENDPOINT, Node(client, "endpoint", latest=owned_client.latest))
        if seen in ("both", "dst", "split"):
            add(dh, TopologyKind.ENDPOINT, _node(client, "endpoint", adjacency=(server,)))
            add(dh, TopologyKind.ENDPOINT, owned_server)
    for k, (h, i, ip) in enumerate(w["outbound"]):
        i = proc(h, i)
        ep = ids.endpoint("", _ip(h), 40000 + k)
        add(h, TopologyKind.ENDPOINT, _node(ep, "endpoint", {"pid": str(pid(i)), "host_node_id":
                                                             ids.host(_host(h))}, (f";{ip};443",), t=t))
        add(h, TopologyKind.ENDPOINT, _node(f";{ip};443", "endpoint"))
    for k, (h, i, ip) in enumerate(w["inbound"]):
        i = proc(h, i)
        server = ids.endpoint("", _ip(h), 8000 + i)
        add(h, TopologyKind.ENDPOINT, _node(f";{ip};{50000 + k}", "endpoint", adjacency=(server,)))
        add(h, TopologyKind.ENDPOINT, _node(server, "endpoint", {"pid": str(pid(i)), "host_node_id":
                                                                 ids.host(_host(h))}, t=t))
    for k, (h, a, b) in enumerate(w["bridged"]):
        # Container to container on one host, seen only by conntrack: no pid, host-scoped bridge addresses.
        src = ids.endpoint(_host(h), f"172.17.0.{1 + ord(a) - 96}", 20000 + k)
        dst = ids.endpoint(_host(h), f"172.17.0.{1 + ord(b) - 96}", 5432)
        add(h, TopologyKind.ENDPOINT, _node(src, "endpoint", adjacency=(dst,)))
        add(h, TopologyKind.ENDPOINT, _node(dst, "endpoint"))

    meta = {TopologyKind.PROCESS: Topology(shape="square", label="process", label_plural="processes"),
            TopologyKind.CONTAINER: Topology(shape="hexagon", label="container", label_plural="containers")}
    out = {}
    for h in range(n):
        topologies = {k: meta.get(k, Topology()).merge(Topology(v)) for k, v in nodes[h].items()}
        for k, m in meta.items():
            topologies.setdefault(k, m)
        out[_host(h)] = Report(topologies, ts=t, window=3)
    return out


def _full(parts: dict[str, Report], view: str) -> dict[str, Any]:
    return render(Report.merge_all(parts[k] for k in sorted(parts)), view).to_json()


@settings(max_examples=60)
@given(worlds(), st.sampled_from(DECOMPOSABLE))
def test_part_by_part_equals_render_of_the_merge(w: dict[str, Any], view: str) -> None:
    parts = reports(w)
    assert IncrementalRenderer(view).update(parts).to_json() == _full(parts, view)


@settings(max_examples=40)
@given(worlds(), worlds(), st.sampled_from(DECOMPOSABLE))
def test_updates_follow_the_window(w1: dict[str, Any], w2: dict[str, Any], view: str) -> None:
    """Replace hosts' reports one at a time (by another world's, so that probes disagree); each update equals
    a full render of the window as it is then."""
    inc = IncrementalRenderer(view)
    parts = reports(w1)
    inc.update(parts)
    new = reports(w2)
    for key in sorted(new):
        if key in parts:
            parts[key] = new[key]
        assert inc.update(parts).to_json() == _full(parts, view)
    del parts[sorted(parts)[0]]
    assert inc.update(parts).to_json() == _full(parts, view)


@settings(max_examples=20)
@given(worlds())
def test_unchanged_window_renders_nothing(w: dict[str, Any]) -> None:
    inc = IncrementalRenderer("processes")
    parts = reports(w)
    first = inc.update(parts)
    assert inc.update(dict(parts)) is first
    assert inc.rendered_parts == 0


def test_views_that_do_not_decompose_render_the_merge() -> None:
    from render_world import split
    parts = split()
    for view in ("pods", "kube-controllers", "services", "hosts"):
        inc = IncrementalRenderer(view)
        assert inc.update(parts).to_json() == _full(parts, view)


summaries = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.fixed_dictionaries({"label": st.sampled_from(["x", "y"]), "rank": st.sampled_from(["", "r"])}),
    max_size=4,
).map(lambda d: {k: {"id": k, **v} for k, v in d.items()})


@given(st.one_of(st.none(), summaries), summaries)
def test_diff_then_apply_gives_the_new_state(previous: dict[str, Any] | None, current: dict[str, Any]) -> None:
    assert apply(previous, diff(previous, current)) == current
