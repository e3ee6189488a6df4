"""The fake API server, driven by the official kubernetes client through a kubeconfig (no mocks).

Watches from a resourceVersion replay the server's history, so most watch tests mutate first and then stream;
tests of live-only behaviour (bookmarks, reconnects, log follows) consume the stream in a thread.
"""

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_apiserver import FIXTURE_RV, FakeApiServer
from kubernetes import client, config, watch

MakeServer = Callable[..., FakeApiServer]

RV = str(FIXTURE_RV)
NODE = "aks-nodepool1-28869405-vmss000000"

LISTS = [  # (API class, method, args, count in fixtures/k8s)
    (client.CoreV1Api, "list_pod_for_all_namespaces", (), 12),
    (client.CoreV1Api, "list_service_for_all_namespaces", (), 7),
    (client.CoreV1Api, "list_endpoints_for_all_namespaces", (), 2),
    (client.CoreV1Api, "list_persistent_volume_claim_for_all_namespaces", (), 2),
    (client.CoreV1Api, "list_namespace", (), 4),
    (client.CoreV1Api, "list_node", (), 1),
    (client.CoreV1Api, "list_persistent_volume", (), 2),
    (client.AppsV1Api, "list_deployment_for_all_namespaces", (), 7),
    (client.AppsV1Api, "list_replica_set_for_all_namespaces", (), 9),
    (client.AppsV1Api, "list_daemon_set_for_all_namespaces", (), 2),
    (client.AppsV1Api, "list_stateful_set_for_all_namespaces", (), 1),
    (client.BatchV1Api, "list_job_for_all_namespaces", (), 2),
    (client.BatchV1Api, "list_cron_job_for_all_namespaces", (), 1),
    (client.DiscoveryV1Api, "list_endpoint_slice_for_all_namespaces", (), 0),
    (client.StorageV1Api, "list_storage_class", (), 0),
    (client.CoreV1Api, "list_namespaced_pod", ("kube-system",), 10),
    (client.AppsV1Api, "list_namespaced_stateful_set", ("default",), 1),
    (client.BatchV1Api, "list_namespaced_cron_job", ("kube-system",), 0),
]


def pod(name: str, node: str, namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}}


def names(items: list[Any]) -> list[str]:
    return [i.metadata.name for i in items]


def events(stream: Iterator[dict[str, Any]], count: int, w: watch.Watch) -> list[dict[str, Any]]:
    """The first `count` events of a stream, then stop it."""
    out = []
    for event in stream:
        out.append(event)
        if len(out) == count:
            w.stop()
    return out


class Background:
    """Consume a watch (or log follow) stream in a thread, as the probe does."""

    def __init__(self, stream: Callable[[], Iterator[Any]]) -> None:
        self.items: list[Any] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream: Callable[[], Iterator[Any]]) -> None:
        try:
            for item in stream():
                self.items.append(item)
        except BaseException as e:
            self.error = e

    def join(self) -> None:
        self.thread.join(10)
        assert not self.thread.is_alive()


def watch_requests(server: FakeApiServer, path: str = "/api/v1/pods") -> list[dict[str, str]]:
    return [r.query for r in server.requests if r.path == path and r.query.get("watch") == "true"]


# -- lists ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("api", "method", "args", "count"), LISTS, ids=[m[1] + "".join(m[2]) for m in LISTS])
def test_every_list_deserializes(kube_api: client.ApiClient, api: Any, method: str, args: tuple[str, ...],
                                 count: int) -> None:
    result = getattr(api(kube_api), method)(*args)
    assert len(result.items) == count
    assert result.metadata.resource_version == RV
    assert all(item.kind is None for item in result.items)  # list items carry no kind/apiVersion


def test_list_is_in_key_order_and_objects_are_the_fixtures(kube_api: client.ApiClient, k8s_fixtures: Path) -> None:
    raw = client.CoreV1Api(kube_api).list_pod_for_all_namespaces(_preload_content=False)
    body = json.loads(raw.data)
    # pods.json's nginx-sts-0/1 keep the kind/apiVersion of their single-object sources: a real list has none.
    fixture = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
               for item in json.loads((k8s_fixtures / "pods.json").read_text())["items"]]
    assert body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert body["items"] == sorted(fixture, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))


def test_selectors_filter(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    assert names(core.list_namespaced_pod("default").items) == ["nginx-sts-0", "nginx-sts-1"]
    assert len(core.list_pod_for_all_namespaces(label_selector="k8s-app=kube-dns").items) == 2
    assert len(core.list_pod_for_all_namespaces(label_selector="k8s-app in (kube-dns,metrics-server)").items) == 3
    assert len(core.list_pod_for_all_namespaces(label_selector="app notin (nginx-sts),k8s-app!=kube-dns").items) == 8
    assert len(core.list_pod_for_all_namespaces(label_selector="!app,statefulset.kubernetes.io/pod-name").items) == 0
    assert len(core.list_pod_for_all_namespaces(label_selector="app").items) == 2
    assert names(core.list_pod_for_all_namespaces(field_selector="metadata.name=nginx-sts-1").items) == ["nginx-sts-1"]
    assert len(core.list_pod_for_all_namespaces(field_selector="metadata.namespace!=kube-system").items) == 2
    apiserver.add("pods", pod("elsewhere", "node-b"))
    assert len(core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={NODE}").items) == 12
    assert names(core.list_pod_for_all_namespaces(field_selector="spec.nodeName=node-b").items) == ["elsewhere"]
    with pytest.raises(client.ApiException) as bad:
        core.list_pod_for_all_namespaces(field_selector="spec.nodename=x")
    assert bad.value.status == 400 and "field label not supported: spec.nodename" in bad.value.body


def test_chunked_list_returns_everything_once(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    first = core.list_pod_for_all_namespaces(limit=5)
    assert first.metadata.remaining_item_count == 7
    apiserver.delete("pods", "default", "nginx-sts-0")  # chunks stay consistent with the first page's snapshot
    seen, token, rvs = names(first.items), first.metadata._continue, {first.metadata.resource_version}
    while token:
        page = core.list_pod_for_all_namespaces(limit=5, _continue=token)
        seen += names(page.items)
        token, _ = page.metadata._continue, rvs.add(page.metadata.resource_version)
    assert len(seen) == 12 and len(set(seen)) == 12 and rvs == {RV}
    assert [r.query.get("continue") is not None for r in apiserver.requests] == [False, True, True]


def test_expired_continue_token_is_410(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    first = core.list_pod_for_all_namespaces(limit=5)
    apiserver.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"x": "y"}}})
    apiserver.compact()
    with pytest.raises(client.ApiException) as expired:
        core.list_pod_for_all_namespaces(limit=5, _continue=first.metadata._continue)
    status = json.loads(expired.value.body)
    assert expired.value.status == 410 and status["reason"] == "Expired" and status["code"] == 410
    # The Status carries a token to continue inconsistently, from the latest state.
    rest = core.list_pod_for_all_namespaces(_continue=status["metadata"]["continue"])
    assert len(rest.items) == 7 and rest.metadata.resource_version == str(apiserver.resource_version)


# -- objects, errors, auth ------------------------------------------------------------------------------------

def test_get_one_object_and_not_found_status(kube_api: client.ApiClient) -> None:
    core, apps = client.CoreV1Api(kube_api), client.AppsV1Api(kube_api)
    pod = core.read_namespaced_pod("nginx-sts-0", "default")
    assert pod.kind == "Pod" and pod.spec.node_name == NODE
    assert core.read_node(NODE).status.node_info.kubelet_version == "v1.16.7"
    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_pod("nope", "default")
    assert missing.value.status == 404
    assert json.loads(missing.value.body) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": 'pods "nope" not found',
        "reason": "NotFound", "details": {"name": "nope", "kind": "pods"}, "code": 404}
    with pytest.raises(client.ApiException) as missing:
        apps.read_namespaced_deployment("coredns", "default")
    assert json.loads(missing.value.body)["details"] == {"name": "coredns", "group": "apps", "kind": "deployments"}
    assert client.VersionApi(kube_api).get_code().git_version == "v1.16.7"


def test_wrong_token_is_401(apiserver: FakeApiServer, tmp_path: Path) -> None:
    wrong = config.new_client_from_config(config_file=str(apiserver.write_kubeconfig(tmp_path / "kc", token="x")))
    with wrong, pytest.raises(client.ApiException) as denied:
        client.CoreV1Api(wrong).list_node()
    assert denied.value.status == 401 and json.loads(denied.value.body)["reason"] == "Unauthorized"


def test_load_kube_config_accepts_the_kubeconfig(kubeconfig: Path) -> None:
    saved = client.Configuration.get_default_copy()
    try:
        config.load_kube_config(config_file=str(kubeconfig))
        with client.ApiClient() as api:
            assert len(client.CoreV1Api(api).list_namespace().items) == 4  # the server checked the token
    finally:
        client.Configuration.set_default(saved)


# -- watch ----------------------------------------------------------------------------------------------------

def test_watch_from_rv_gets_mutations(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    apiserver.add("pods", pod("new", NODE))
    apiserver.modify("pods", "default", "new", lambda pod: pod["metadata"].setdefault("labels", {"a": "b"}))
    apiserver.delete("pods", "default", "new")
    w = watch.Watch()
    got = events(w.stream(core.list_pod_for_all_namespaces, resource_version=RV), 3, w)
    assert [(e["type"], e["object"].metadata.name) for e in got] == [("ADDED", "new"), ("MODIFIED", "new"),
                                                                      ("DELETED", "new")]
    assert [e["object"].metadata.resource_version for e in got] == [str(FIXTURE_RV + i) for i in (1, 2, 3)]
    assert got[1]["object"].metadata.labels == {"a": "b"} and isinstance(got[0]["object"], client.V1Pod)


def test_watch_without_rv_starts_with_synthetic_added(kube_api: client.ApiClient) -> None:
    w = watch.Watch()
    got = list(w.stream(client.AppsV1Api(kube_api).list_deployment_for_all_namespaces, timeout_seconds=1))
    assert {e["type"] for e in got} == {"ADDED"} and len(got) == 7
    assert got[0]["raw_object"]["kind"] == "Deployment" and got[0]["raw_object"]["apiVersion"] == "apps/v1"


def test_replay_of_watch_fixture_is_byte_for_byte(make_apiserver: MakeServer, tmp_path: Path,
                                                  k8s_fixtures: Path) -> None:
    server = make_apiserver(bookmark_interval=None)
    with config.new_client_from_config(config_file=str(server.write_kubeconfig(tmp_path / "kc"))) as api:
        w = watch.Watch()
        consumer = Background(lambda: w.stream(client.CoreV1Api(api).list_pod_for_all_namespaces,
                                               resource_version=RV, allow_watch_bookmarks=True))
        server.wait_for(lambda: server.open_watches("pods") == 1)
        server.replay_watch_fixture("watch-pods.jsonl")
        server.wait_for(lambda: len(consumer.items) == 4)
        w.stop()
        consumer.join()
    expected = [json.loads(line) for line in (k8s_fixtures / "watch-pods.jsonl").read_text().splitlines()]
    assert [(e["type"], e["raw_object"]) for e in consumer.items] == [(e["type"], e["object"]) for e in expected]
    assert w.resource_version == "87290196"  # the BOOKMARK's, remembered by the client
    assert server.get("pods", "default", "nginx-sts-1")["metadata"]["uid"] == "c292369b-a488-52f4-a98d-337c532ed2b5"


def test_selectors_apply_to_watch(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    apiserver.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"app": "moved"}}})
    apiserver.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"app": "nginx-sts"}}})
    apiserver.add("pods", pod("b", "node-b"))
    apiserver.add("pods", pod("a", NODE))
    core = client.CoreV1Api(kube_api)
    w = watch.Watch()
    stream = w.stream(core.list_namespaced_pod, "default", resource_version=RV, label_selector="app=nginx-sts")
    by_label = events(stream, 2, w)
    assert [(e["type"], e["object"].metadata.resource_version) for e in by_label] == [
        ("DELETED", str(FIXTURE_RV + 1)), ("ADDED", str(FIXTURE_RV + 2))]  # stopped, then started matching
    w = watch.Watch()
    by_node = events(w.stream(core.list_pod_for_all_namespaces, resource_version=RV,
                              field_selector=f"spec.nodeName={NODE}"), 3, w)
    assert [(e["type"], e["object"].metadata.name) for e in by_node] == [
        ("MODIFIED", "nginx-sts-0"), ("MODIFIED", "nginx-sts-0"), ("ADDED", "a")]


def test_bookmark_rv_is_used_to_reconnect(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    w = watch.Watch()
    consumer = Background(lambda: w.stream(client.CoreV1Api(kube_api).list_pod_for_all_namespaces,
                                           resource_version=RV, allow_watch_bookmarks=True))
    apiserver.wait_for(lambda: apiserver.open_watches() == 1)
    apiserver.modify("nodes", "", NODE, {"metadata": {"labels": {"x": "y"}}})  # not a pod: only the RV moves
    mark = apiserver.bookmark()
    apiserver.wait_for(lambda: any(e["type"] == "BOOKMARK" for e in consumer.items))
    apiserver.close_watches()
    apiserver.wait_for(lambda: len(watch_requests(apiserver)) == 2)
    w.stop()
    consumer.join()
    assert mark == FIXTURE_RV + 1
    assert [q["resourceVersion"] for q in watch_requests(apiserver)] == [RV, str(mark)]
    assert watch_requests(apiserver)[0]["allowWatchBookmarks"] == "true"


def test_periodic_bookmarks(make_apiserver: MakeServer, tmp_path: Path) -> None:
    server = make_apiserver(bookmark_interval=0.1)
    with config.new_client_from_config(config_file=str(server.write_kubeconfig(tmp_path / "kc"))) as api:
        w = watch.Watch()
        got = events(w.stream(client.CoreV1Api(api).list_node, resource_version=RV, allow_watch_bookmarks=True), 2, w)
    assert [e["raw_object"] for e in got] == [{"kind": "Node", "apiVersion": "v1",
                                               "metadata": {"resourceVersion": RV}}] * 2


def test_client_reconnects_with_last_rv_after_close(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    w = watch.Watch()
    consumer = Background(lambda: w.stream(client.CoreV1Api(kube_api).list_pod_for_all_namespaces))
    apiserver.wait_for(lambda: len(consumer.items) == 12)  # synthetic ADDED
    changed = apiserver.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"x": "y"}}})
    apiserver.wait_for(lambda: len(consumer.items) == 13)
    apiserver.close_watches()
    apiserver.wait_for(lambda: len(watch_requests(apiserver)) == 2)
    apiserver.delete("pods", "default", "nginx-sts-1")
    apiserver.wait_for(lambda: len(consumer.items) == 14)
    w.stop()
    consumer.join()
    assert "resourceVersion" not in watch_requests(apiserver)[0]
    assert watch_requests(apiserver)[1]["resourceVersion"] == changed["metadata"]["resourceVersion"]
    assert [e["type"] for e in consumer.items[12:]] == ["MODIFIED", "DELETED"]


def test_watch_without_rv_resumes_from_the_last_objects_rv(kube_api: client.ApiClient,
                                                           apiserver: FakeApiServer) -> None:
    """The client resumes from the RV of the last synthetic ADDED object: here (as often on a real server) older
    than the history, so the reconnect gets 410 twice and raises. Reporters should list, then watch from its RV."""
    w = watch.Watch()
    consumer = Background(lambda: w.stream(client.CoreV1Api(kube_api).list_namespace))
    apiserver.wait_for(lambda: len(consumer.items) == 4)
    apiserver.close_watches()
    consumer.join()
    assert isinstance(consumer.error, client.ApiException) and consumer.error.status == 410
    resumed = [q.get("resourceVersion") for q in watch_requests(apiserver, "/api/v1/namespaces")]
    assert resumed == [None, "23", "23"]  # kube-system's own resourceVersion


def test_compacted_rv_is_410_and_the_client_raises(kube_api: client.ApiClient, apiserver: FakeApiServer,
                                                    k8s_fixtures: Path) -> None:
    core = client.CoreV1Api(kube_api)
    raw = core.list_pod_for_all_namespaces(watch=True, resource_version="1", _preload_content=False)
    assert raw.status == 200
    assert raw.data.decode() == (k8s_fixtures / "watch-pods-expired.jsonl").read_text()
    apiserver.modify("pods", "default", "nginx-sts-0", {"metadata": {"labels": {"x": "y"}}})
    apiserver.compact()
    apiserver.clear_requests()
    with pytest.raises(client.ApiException) as gone:
        list(watch.Watch().stream(core.list_pod_for_all_namespaces, resource_version=RV))
    assert gone.value.status == 410
    assert gone.value.reason == f"Expired: too old resource version: {RV} ({FIXTURE_RV + 1})"
    assert [q["resourceVersion"] for q in watch_requests(apiserver)] == [RV, RV]  # retried once, then raised
    w = watch.Watch()  # the relist path: watch from the new list's RV
    rv = core.list_pod_for_all_namespaces().metadata.resource_version
    apiserver.delete("pods", "default", "nginx-sts-0")
    assert [e["type"] for e in events(w.stream(core.list_pod_for_all_namespaces, resource_version=rv), 1, w)] == [
        "DELETED"]


def test_timeout_seconds_ends_the_stream(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    got = list(watch.Watch().stream(client.CoreV1Api(kube_api).list_node, resource_version=RV, timeout_seconds=1))
    assert got == [] and apiserver.open_watches() == 0


# -- writes and logs ------------------------------------------------------------------------------------------

def test_delete_pod(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    answer = core.delete_namespaced_pod("nginx-sts-1", "default")
    assert answer.metadata.deletion_grace_period_seconds == 30 and answer.metadata.deletion_timestamp is not None
    gone = core.delete_namespaced_pod("nginx-sts-0", "default", grace_period_seconds=0)
    assert gone.metadata.deletion_timestamp is None and gone.metadata.name == "nginx-sts-0"
    w = watch.Watch()
    got = events(w.stream(core.list_namespaced_pod, "default", resource_version=RV), 3, w)
    assert [(e["type"], e["object"].metadata.name) for e in got] == [
        ("MODIFIED", "nginx-sts-1"), ("DELETED", "nginx-sts-1"), ("DELETED", "nginx-sts-0")]
    assert core.list_namespaced_pod("default").items == []
    with pytest.raises(client.ApiException) as missing:
        core.delete_namespaced_pod("nginx-sts-0", "default")
    assert missing.value.status == 404


def test_scale_deployment_and_statefulset(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    apps = client.AppsV1Api(kube_api)
    generation = apiserver.get("deployments", "kube-system", "coredns")["metadata"]["generation"]
    scale = apps.read_namespaced_deployment_scale("coredns", "kube-system")
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (2, 2, "k8s-app=kube-dns,version=v20")
    patched = apps.patch_namespaced_deployment_scale("coredns", "kube-system", {"spec": {"replicas": 3}})
    assert patched.spec.replicas == 3 and patched.metadata.resource_version == str(FIXTURE_RV + 1)
    assert apiserver.requests[-1].content_type == "application/strategic-merge-patch+json"
    deployment = apps.read_namespaced_deployment("coredns", "kube-system")
    assert deployment.spec.replicas == 3 and deployment.metadata.generation == generation + 1
    sts_scale = apps.read_namespaced_stateful_set_scale("nginx-sts", "default")
    sts_scale.spec.replicas = 0
    assert apps.replace_namespaced_stateful_set_scale("nginx-sts", "default", sts_scale).spec.replicas is None
    with pytest.raises(client.ApiException) as conflict:  # the scale read before the write is stale now
        apps.replace_namespaced_stateful_set_scale("nginx-sts", "default", sts_scale)
    assert conflict.value.status == 409
    w = watch.Watch()
    got = events(w.stream(apps.list_deployment_for_all_namespaces, resource_version=RV), 1, w)
    assert got[0]["type"] == "MODIFIED" and got[0]["object"].spec.replicas == 3
    assert apiserver.get("statefulsets", "default", "nginx-sts")["spec"]["replicas"] == 0


def test_patches(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core, apps = client.CoreV1Api(kube_api), client.AppsV1Api(kube_api)
    assert core.patch_node(NODE, {"spec": {"unschedulable": True}}).spec.unschedulable is True  # cordon
    assert names(core.list_node(field_selector="spec.unschedulable=true").items) == [NODE]
    restart = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}}}
    apps.patch_namespaced_stateful_set("nginx-sts", "default", restart, _content_type="application/merge-patch+json")
    assert apiserver.requests[-1].content_type == "application/merge-patch+json"
    sts = apiserver.get("statefulsets", "default", "nginx-sts")
    assert sts["spec"]["template"]["metadata"]["annotations"] == restart["spec"]["template"]["metadata"]["annotations"]
    assert sts["spec"]["template"]["metadata"]["labels"] == {"app": "nginx-sts"}  # merged, not replaced
    core.patch_namespaced_pod("nginx-sts-0", "default", [{"op": "add", "path": "/metadata/labels/x", "value": "y"}])
    assert apiserver.requests[-1].content_type == "application/json-patch+json"
    assert apiserver.get("pods", "default", "nginx-sts-0")["metadata"]["labels"]["x"] == "y"
    w = watch.Watch()
    got = events(w.stream(core.list_node, resource_version=RV), 1, w)
    assert got[0]["type"] == "MODIFIED" and got[0]["object"].spec.unschedulable is True


def test_logs(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    text = core.read_namespaced_pod_log("nginx-sts-0", "default")
    assert text.splitlines() == [f"fake log line {i} of nginx in default/nginx-sts-0" for i in (1, 2, 3)]
    stamped = core.read_namespaced_pod_log("nginx-sts-0", "default", container="nginx", tail_lines=1, timestamps=True)
    assert stamped == "2019-08-09T05:12:22.000000000Z fake log line 3 of nginx in default/nginx-sts-0\n"
    apiserver.append_log("default", "nginx-sts-0", "nginx", "fresh")
    assert core.read_namespaced_pod_log("nginx-sts-0", "default", since_seconds=60) == "fresh\n"
    with pytest.raises(client.ApiException) as bad:
        core.read_namespaced_pod_log("nginx-sts-0", "default", container="nope")
    assert bad.value.status == 400 and "container nope is not valid for pod nginx-sts-0" in bad.value.body


def test_log_follow_streams_appended_lines_until_the_pod_goes(kube_api: client.ApiClient,
                                                               apiserver: FakeApiServer) -> None:
    core = client.CoreV1Api(kube_api)
    consumer = Background(lambda: watch.Watch().stream(core.read_namespaced_pod_log, "nginx-sts-1", "default",
                                                       tail_lines=0))
    apiserver.wait_for(lambda: apiserver.open_log_follows() == 1)
    apiserver.append_log("default", "nginx-sts-1", "nginx", "GET / 200")
    apiserver.wait_for(lambda: consumer.items == ["GET / 200"])
    core.delete_namespaced_pod("nginx-sts-1", "default", grace_period_seconds=0)
    consumer.join()
    assert consumer.error is None and apiserver.requests[0].query["follow"] == "true"


async def test_async_tests_can_use_it(kube_api: client.ApiClient, apiserver: FakeApiServer) -> None:
    apiserver.add("namespaces", {"metadata": {"name": "scope"}})  # from the test's loop: thread-safe
    result = await asyncio.to_thread(client.CoreV1Api(kube_api).list_namespace)
    assert "scope" in names(result.items)
