"""Unit tests of the Docker reporter's nodes and topologies, checked against what Scope 1.13 wrote for containers
in the same states (the shop fixtures), and of the strings Docker's Go libraries made for Scope."""

import os
from pathlib import Path
from typing import Any

import pytest

from scopecore.codec import JSON, loads
from scopecore.report import Node, TopologyKind, ids
from scopeprobe.docker import (
    CONTAINER_TOPOLOGY,
    IMAGE_TOPOLOGY,
    NetworkContext,
    NodeOptions,
    active_controls,
)
from scopeprobe.docker import keys as k
from scopeprobe.docker.humanize import NS, human_bytes, human_duration, parse_time, state_human, state_string
from scopeprobe.docker.nodes import container_node, image_node, network_sets, ports, split_image_name
from scopeprobe.docker.registry import Registry

pytestmark = pytest.mark.unit

_SHARED = Path(__file__).resolve().parents[3] / "shared/fixtures"
SCOPE = Path(os.environ.get("SCOPE_FIXTURES", _SHARED)) / "scope-1.13"
ID_A = "07ff543733b59cce60018b30780bb13bc80c45928f062e3b8be43c37a94be6a9"
NET = NetworkContext(local_ipv4s=("192.0.2.2",), host_ipv4s=("127.0.0.1", "192.0.2.2"))
OPTS = NodeOptions("vm", probe_id="p1", omit_env_vars=False)
# Latest keys we write and Scope 1.13 did not (its render copied the image's name and tag into containers).
OURS = (k.IMAGE_NAME, k.IMAGE_TAG, k.CONTAINER_CPU_LIMIT, k.CONTAINER_MEMORY_LIMIT)


def _scope_report() -> Any:
    if not SCOPE.is_dir():
        pytest.skip(f"Scope fixtures not found at {SCOPE} (set SCOPE_FIXTURES)")
    return loads((SCOPE / "report.json").read_bytes(), JSON)


def _at(inspect: dict[str, Any], seconds_after_start: float) -> int:
    return parse_time(inspect["State"]["StartedAt"]) + int(seconds_after_start * NS)


def _node(inspects: dict[str, Any], name: str, now: int | None = None, images: Any = None) -> Node:
    c = inspects[name]
    registry = Registry()
    for other in inspects.values():
        registry.update(other)
    sets = network_sets(c, "vm", NET, registry.lookup)
    image = {i["Id"].removeprefix("sha256:"): i for i in images or []}.get(c["Image"].removeprefix("sha256:"))
    return container_node(c, now if now is not None else _at(c, 39), OPTS, image=image, sets=sets)


def _plain_keys(node: Node) -> set[str]:
    return {key for key in node.latest if not key.startswith((k.LABEL_PREFIX, k.ENV_PREFIX, k.MOUNT_PREFIX))}


# ---- strings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "text"), [
    (0.5, "Less than a second"), (1, "1 second"), (39, "39 seconds"), (60, "About a minute"),
    (130, "2 minutes"), (3600, "About an hour"), (5 * 3600, "5 hours"), (3 * 86400, "3 days"),
    (20 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years"),
])
def test_human_duration_is_docker_go_units(seconds: float, text: str) -> None:
    assert human_duration(int(seconds * NS)) == text


@pytest.mark.parametrize(("n", "text"), [(9, "9 B"), (1984172, "2.0 MB"), (999, "999 B"), (1000, "1.0 kB"),
                                         (123_456_789, "124 MB"), (25_276_194_816, "25 GB")])
def test_human_bytes_is_go_humanize(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_states_are_go_dockerclients(inspects: dict[str, Any]) -> None:
    expect = {"web": ("running", "Up 39 seconds"), "cache": ("paused", "Up 39 seconds (Paused)"),
              "fresh": ("created", "Created"), "batch": ("exited", None)}
    for name, (state, human) in expect.items():
        s = inspects[name]["State"]
        assert state_string(s) == state
        if human:
            assert state_human(s, _at(inspects[name], 39)) == human
    batch = inspects["batch"]["State"]
    assert state_human(batch, parse_time(batch["FinishedAt"]) + 38 * NS) == "Exited (3) 38 seconds ago"


@pytest.mark.parametrize(("ref", "parts"), [
    ("local/busybox:latest", ("local/busybox", "latest")), ("local/busybox", ("local/busybox", "")),
    ("docker.io/library/nginx:1.25", ("library/nginx", "1.25")), ("nginx@sha256:abcd", ("nginx", "")),
])
def test_split_image_name_as_scope(ref: str, parts: tuple[str, str]) -> None:
    assert split_image_name(ref) == parts


def test_ports_expand_any_address_and_skip_ipv6() -> None:
    published = [{"HostIp": "0.0.0.0", "HostPort": "18080"}, {"HostIp": "::", "HostPort": "18080"}]
    settings = {"Ports": {"8080/tcp": published, "53/udp": None,
                          "9000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9000"}]}}
    assert ports(settings, ["10.0.0.5", "192.0.2.2"]) == {
        "10.0.0.5:18080->8080/tcp", "192.0.2.2:18080->8080/tcp", "53/udp", "127.0.0.1:9000->9000/tcp"}


# ---- topologies and nodes against Scope 1.13 -------------------------------------------------------------------


def test_topology_templates_and_controls_match_scope() -> None:
    scope = _scope_report()
    for kind, ours in ((TopologyKind.CONTAINER, CONTAINER_TOPOLOGY), (TopologyKind.CONTAINER_IMAGE, IMAGE_TOPOLOGY)):
        theirs = scope.topology(kind)
        assert (ours.shape, ours.label, ours.label_plural) == (theirs.shape, theirs.label, theirs.label_plural)
        for field in ("controls", "metadata_templates", "metric_templates", "table_templates"):
            mine, want = getattr(ours, field), getattr(theirs, field)
            assert {key: mine.get(key) for key in want} == dict(want), (kind, field)
    assert set(CONTAINER_TOPOLOGY.controls) - set(scope.topology(TopologyKind.CONTAINER).controls) == {k.GET_LOGS}


def test_container_nodes_have_scopes_keys_per_state(inspects: dict[str, Any], images: list[Any]) -> None:
    scope = _scope_report().nodes(TopologyKind.CONTAINER)
    scope_by_state = {n.latest.get(k.CONTAINER_STATE): n for n in scope.values()}
    for name, state in (("cli", "running"), ("cache", "paused"), ("batch", "exited")):
        ours = _node(inspects, name, images=images)
        theirs = scope_by_state[state]
        assert ours.topology == theirs.topology == "container"
        assert _plain_keys(ours) - set(OURS) == _plain_keys(theirs), name
        assert set(ours.sets) == set(theirs.sets), name
        assert set(ours.parents) == set(theirs.parents) == {"container_image", "host"}
        their_controls = ids.split_list(theirs.latest.get(k.ACTIVE_CONTROLS) or "")
        our_controls = ids.split_list(ours.latest.get(k.ACTIVE_CONTROLS) or "")
        assert [c for c in our_controls if c != k.GET_LOGS] == their_controls, name


def test_running_container_node(inspects: dict[str, Any], images: list[Any]) -> None:
    web = inspects["web"]
    n = _node(inspects, "web", images=images)
    assert n.id == ids.container(ID_A) == f"{ID_A};<container>"
    assert n.parents.get("container_image") == {ids.container_image(web["Image"].removeprefix("sha256:"))}
    assert n.parents.get("host") == {"vm;<host>"}
    latest = n.latest.values()
    assert latest[k.CONTAINER_NAME] == "web"
    assert latest[k.CONTAINER_COMMAND] == "httpd -f -p 8080 -h /tmp"
    assert latest[k.CONTAINER_STATE_HUMAN] == "Up 39 seconds"
    assert latest[k.CONTAINER_UPTIME] == "39"
    assert latest[k.CONTAINER_NETWORK_MODE] == "testnet"
    assert latest[k.CONTAINER_CREATED] == web["Created"]
    assert (latest[k.IMAGE_NAME], latest[k.IMAGE_TAG]) == ("local/busybox", "latest")
    assert latest[k.LABEL_PREFIX + "tier"] == "web"
    assert latest[k.ENV_PREFIX + "FOO"] == "bar"
    assert latest[k.CONTAINER_CPU_LIMIT] == "0.5"
    assert latest[k.CONTAINER_MEMORY_LIMIT] == str(64 << 20)
    assert latest[k.MOUNT_PREFIX + "/data"] == "/srv/www (bind, rw)"
    assert latest[k.CONTROL_PROBE_ID] == "p1"
    assert n.sets.get(k.CONTAINER_NETWORKS) == {"testnet"}
    assert n.sets.get(k.CONTAINER_IPS) == {"172.30.0.2"}
    assert n.sets.get(k.CONTAINER_IPS_WITH_SCOPES) == {"vm;172.30.0.2"}
    assert n.sets.get(k.CONTAINER_PORTS) == {"192.0.2.2:18080->8080/tcp"}
    assert all(ts == _at(web, 39) for ts, _ in n.latest.entries.values())


def test_env_and_args_can_be_omitted(inspects: dict[str, Any]) -> None:
    c = inspects["web"]
    n = container_node(c, _at(c, 1), NodeOptions("vm", omit_env_vars=True, omit_cmd_args=True))
    assert not any(key.startswith(k.ENV_PREFIX) for key in n.latest)
    assert n.latest.get(k.CONTAINER_COMMAND) == "httpd"
    assert k.CONTROL_PROBE_ID not in n.latest


def test_other_states_and_network_modes(inspects: dict[str, Any]) -> None:
    fresh = _node(inspects, "fresh")
    assert fresh.latest.get(k.CONTAINER_STATE_HUMAN) == "Created"
    assert fresh.latest.get(k.ACTIVE_CONTROLS) == "docker_start_container;docker_remove_container;docker_get_logs"
    assert not fresh.sets  # network "none" is no network
    host = _node(inspects, "hostnet")
    assert host.latest.get(k.IS_IN_HOST_NETWORK) == "true"
    assert host.sets.get(k.CONTAINER_IPS) == {"127.0.0.1", "192.0.2.2"}
    sidecar, web = _node(inspects, "sidecar"), _node(inspects, "web")
    assert sidecar.sets == web.sets  # container:web shares web's namespace
    db = _node(inspects, "db")
    assert db.latest.get(k.CONTAINER_HOSTNAME) == "db.example.org"
    assert db.latest.get(k.CONTAINER_CPU_LIMIT) == "0.25"
    assert db.latest.get(k.MOUNT_PREFIX + "/var/lib/db") == "pgdata (volume, ro)"
    assert k.CONTAINER_MEMORY_LIMIT not in db.latest


def test_image_node(images: list[Any]) -> None:
    image = images[0]
    iid = image["Id"].removeprefix("sha256:")
    n = image_node(iid, image, 5, "vm")
    assert n.id == ids.container_image(iid) and n.topology == "container_image"
    assert n.latest.values() == {k.IMAGE_ID: iid, k.IMAGE_NAME: "local/busybox", k.IMAGE_TAG: "latest",
                                 k.IMAGE_SIZE: "2.0 MB", k.IMAGE_VIRTUAL_SIZE: "2.0 MB", k.HOST_NODE_ID: "vm;<host>"}
    assert image_node(iid, None, 5, "vm").latest.get(k.IMAGE_ID) == iid  # unlisted image: ID only


def test_active_controls_follow_state() -> None:
    assert active_controls({"Running": True, "Paused": True}) == (k.UNPAUSE_CONTAINER,)
    assert active_controls({"Running": True}) == (k.RESTART_CONTAINER, k.STOP_CONTAINER, k.PAUSE_CONTAINER,
                                                  k.ATTACH_CONTAINER, k.EXEC_CONTAINER, k.GET_LOGS)
    assert active_controls({"Running": False}) == (k.START_CONTAINER, k.REMOVE_CONTAINER, k.GET_LOGS)
