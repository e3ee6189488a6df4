"""Node IDs are spelt exactly as Weave Scope spells them (report/id.go), and every builder has a parser that
gives its parts back."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecore.report import ids
from scopecore.report.ids import EndpointID, ProcessID

pytestmark = pytest.mark.unit

# --- single-component IDs: "<id>;<tag>" --------------------------------------------------------------------

# (tag, id, wire ID). The tags are Scope's own spellings: note daemonset, statefulset and cronjob.
TAGGED = [
    (ids.HOST, "vm", "vm;<host>"),
    (ids.CONTAINER, "754a6b7c", "754a6b7c;<container>"),
    (ids.CONTAINER_IMAGE, "9a2ef3e1", "9a2ef3e1;<container_image>"),
    (ids.POD, "5d4c-uid", "5d4c-uid;<pod>"),
    (ids.SERVICE, "svc-uid", "svc-uid;<service>"),
    (ids.DEPLOYMENT, "dep-uid", "dep-uid;<deployment>"),
    (ids.REPLICA_SET, "rs-uid", "rs-uid;<replica_set>"),
    (ids.DAEMON_SET, "ds-uid", "ds-uid;<daemonset>"),
    (ids.STATEFUL_SET, "ss-uid", "ss-uid;<statefulset>"),
    (ids.CRON_JOB, "cj-uid", "cj-uid;<cronjob>"),
    (ids.JOB, "job-uid", "job-uid;<job>"),
    (ids.NAMESPACE, "default", "default;<namespace>"),
    (ids.ECS_TASK, "arn:aws:ecs:task/1", "arn:aws:ecs:task/1;<ecs_task>"),
    (ids.SWARM_SERVICE, "swarm-1", "swarm-1;<swarm_service>"),
    (ids.PERSISTENT_VOLUME, "pv-1", "pv-1;<persistent_volume>"),
    (ids.PERSISTENT_VOLUME_CLAIM, "pvc-1", "pvc-1;<persistent_volume_claim>"),
    (ids.STORAGE_CLASS, "standard", "standard;<storage_class>"),
    (ids.VOLUME_SNAPSHOT, "snap-1", "snap-1;<volume_snapshot>"),
    (ids.VOLUME_SNAPSHOT_DATA, "snapdata-1", "snapdata-1;<volume_snapshot_data>"),
    (ids.HOST, "", ";<host>"),  # an empty ID is still an ID (Scope's split2 allows it)
]


@pytest.mark.parametrize(("tag", "ident", "wire"), TAGGED)
def test_tagged_ids_are_scopes(tag: str, ident: str, wire: str) -> None:
    assert ids.tagged(tag, ident) == wire
    assert ids.parse_tagged(tag, wire) == ident
    assert ids.split_tagged(wire) == (ident, tag)


@pytest.mark.parametrize(
    ("build", "ident", "wire"),
    [
        (ids.host, "vm", "vm;<host>"),
        (ids.container, "754a6b7c", "754a6b7c;<container>"),
        (ids.container_image, "9a2ef3e1", "9a2ef3e1;<container_image>"),
    ],
)
def test_typed_tagged_constructors(build: Callable[[str], str], ident: str, wire: str) -> None:
    assert build(ident) == wire


@pytest.mark.parametrize(
    ("tag", "wire"),
    [
        (ids.HOST, "vm"),  # no delimiter
        (ids.HOST, ""),
        (ids.HOST, "vm;<container>"),  # another tag
        (ids.HOST, "vm;host"),  # tag without brackets
        (ids.HOST, "vm;<host>x"),
        (ids.HOST, "vm;<host>;x"),
        (ids.HOST, "a;b;<host>"),  # the ID part ends at the first ";", as in Scope: IDs cannot hold one
        (ids.DAEMON_SET, "ds;<daemon_set>"),  # our kind name, not Scope's tag
    ],
)
def test_parse_tagged_rejects(tag: str, wire: str) -> None:
    assert ids.parse_tagged(tag, wire) is None


@pytest.mark.parametrize("wire", ["vm", "", "vm;host", "vm;<host", "vm;host>", "vm;<", "vm;>", "vm;"])
def test_split_tagged_rejects(wire: str) -> None:
    assert ids.split_tagged(wire) is None


# --- endpoints: "<scope>;<address>;<port>" -----------------------------------------------------------------

ENDPOINTS = [
    ("vm", "172.18.0.4", 9000, "vm;172.18.0.4;9000"),
    ("vm-4026531833", "127.0.0.1", 4040, "vm-4026531833;127.0.0.1;4040"),  # loopback, scoped by netns
    ("", "1.2.3.4", 443, ";1.2.3.4;443"),  # not local to any host: no scope
    ("vm", "::1", "80", "vm;::1;80"),  # IPv6 colons are not the delimiter
    ("", "fe80::1", 22, ";fe80::1;22"),
]


@pytest.mark.parametrize(("scope", "address", "port", "wire"), ENDPOINTS)
def test_endpoint_ids_are_scopes(scope: str, address: str, port: int | str, wire: str) -> None:
    assert ids.endpoint(scope, address, port) == wire
    assert ids.parse_endpoint(wire) == EndpointID(scope, address, str(port))


@pytest.mark.parametrize(
    ("host_id", "is_local", "is_loopback", "netns", "scope"),
    [
        ("vm", True, False, "", "vm"),  # an address of a local network: scoped by host
        ("vm", True, False, "4026531833", "vm"),  # local networks win over loopback, as in makeAddressID
        ("vm", True, True, "4026531833", "vm"),
        ("vm", False, True, "4026531833", "vm-4026531833"),  # loopback clashes across netns
        ("vm", False, True, "", "vm"),  # loopback with the namespace unknown
        ("vm", False, False, "", ""),  # anything else is unscoped
        ("vm", False, False, "4026531833", ""),
    ],
)
def test_address_scope(host_id: str, is_local: bool, is_loopback: bool, netns: str, scope: str) -> None:
    assert ids.address_scope(host_id, is_local, is_loopback, netns) == scope


def test_loopback_endpoint_as_scope_spells_it() -> None:
    scope = ids.address_scope("vm", address_is_local=False, is_loopback=True, netns="4026531833")
    assert ids.endpoint(scope, "127.0.0.1", 4040) == "vm-4026531833;127.0.0.1;4040"


@pytest.mark.parametrize("wire", ["", "vm", "vm;10.0.0.1", ";1.2.3.4"])
def test_parse_endpoint_rejects(wire: str) -> None:
    assert ids.parse_endpoint(wire) is None


def test_parse_endpoint_keeps_the_rest_in_the_port() -> None:
    # Scope's ParseEndpointNodeID splits at the first two delimiters only.
    assert ids.parse_endpoint("a;b;c;d") == EndpointID("a", "b", "c;d")
    assert ids.parse_endpoint(";;") == EndpointID("", "", "")


# --- processes: "<host>;<pid>" -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host_id", "pid", "wire"),
    [("vm", 24353, "vm;24353"), ("vm", "1", "vm;1"), ("client.host.com", 0, "client.host.com;0")],
)
def test_process_ids_are_scopes(host_id: str, pid: int | str, wire: str) -> None:
    assert ids.process(host_id, pid) == wire
    assert ids.parse_process(wire) == ProcessID(host_id, str(pid))
    assert ids.process_parts(wire) == (host_id, str(pid))


@pytest.mark.parametrize(("wire", "parsed"), [("vm", None), ("", None), ("vm;1;2", ProcessID("vm", "1;2"))])
def test_parse_process_edges(wire: str, parsed: ProcessID | None) -> None:
    assert ids.parse_process(wire) == parsed
    assert ids.process_parts(wire) == (tuple(parsed) if parsed is not None else ("", ""))


# --- overlay peers, lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "peer", "wire"),
    [
        (ids.DOCKER_OVERLAY_PEER_PREFIX, "vm", "#docker_peer_vm"),
        ("", "weave-peer", "#weave-peer"),  # weave peers have no prefix
    ],
)
def test_overlay_ids_are_scopes(prefix: str, peer: str, wire: str) -> None:
    assert ids.overlay(prefix, peer) == wire


@pytest.mark.parametrize(
    ("values", "wire"), [([], ""), (["a"], "a"), (["a", "b"], "a;b"), (("restart", "stop"), "restart;stop")]
)
def test_lists(values: list[str] | tuple[str, ...], wire: str) -> None:
    assert ids.join_list(values) == wire
    assert ids.split_list(wire) == list(values)


# --- round trips over any parts without the delimiter -------------------------------------------------------

parts = st.text(alphabet=st.characters(blacklist_characters=";", codec="utf-8"), max_size=8)


@given(scope=parts, address=parts, port=st.integers(min_value=0, max_value=65535) | parts)
def test_endpoint_round_trip(scope: str, address: str, port: int | str) -> None:
    assert ids.parse_endpoint(ids.endpoint(scope, address, port)) == EndpointID(scope, address, str(port))


@given(host_id=parts, pid=st.integers(min_value=0) | parts)
def test_process_round_trip(host_id: str, pid: int | str) -> None:
    assert ids.parse_process(ids.process(host_id, pid)) == ProcessID(host_id, str(pid))


@given(tag=st.sampled_from([t for t, _, _ in TAGGED]), ident=parts)
def test_tagged_round_trip(tag: str, ident: str) -> None:
    wire = ids.tagged(tag, ident)
    assert ids.parse_tagged(tag, wire) == ident
    assert ids.split_tagged(wire) == (ident, tag)


@given(values=st.lists(parts.filter(bool), max_size=4))
def test_list_round_trip(values: list[str]) -> None:
    assert ids.split_list(ids.join_list(values)) == values
