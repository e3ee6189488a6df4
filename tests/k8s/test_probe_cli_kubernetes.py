"""`scope probe` with Kubernetes: found through --kubeconfig, off (and said so) without one, and the container
tagging that needs no API server at all (pod parents from Docker labels, pause containers)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scopecore.codec import loads
from scopecore.report import LatestMap, Node, Report, Sets, TopologyKind, ids
from scopeprobe.kubernetes import tag_containers

_FLAGS = ["--no-docker", "--no-ebpf", "--no-conntrack", "--no-plugins", "--spy-interval", "100ms"]


def _once(*flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    scope = str(Path(sys.executable).with_name("scope"))
    return subprocess.run([scope, "probe", "--once", *_FLAGS, *flags], capture_output=True, text=True, timeout=60,
                          env=env)


def test_once_with_a_kubeconfig_reports_the_cluster(kubeconfig: Path, k8s_fixtures: Path) -> None:
    done = _once("--kubeconfig", str(kubeconfig), "--kubernetes-node-name", "aks-nodepool1-28869405-vmss000000")
    assert done.returncode == 0, done.stderr
    report = loads(done.stdout.encode())
    pods = {n.latest.get("kubernetes_name") for n in report.nodes(TopologyKind.POD).values()}
    assert pods == {i["metadata"]["name"] for i in json.loads((k8s_fixtures / "pods.json").read_text())["items"]}
    assert report.nodes(TopologyKind.PROCESS)  # and the host itself, as ever


def test_without_an_api_server_kubernetes_is_off_and_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    done = _once(env={**env, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "no Kubernetes API server configured" in done.stderr
    assert not loads(done.stdout.encode()).nodes(TopologyKind.POD)


def _container(cid: str, labels: dict[str, str], image: str) -> tuple[Node, Node]:
    image_id = ids.container_image(cid * 2)
    latest = {f"docker_label_{k}": v for k, v in labels.items()} | {"docker_image_name": image}
    return (Node(ids.container(cid), "container", latest=LatestMap.of(latest, 5),
                 parents=Sets.of({"container_image": {image_id}})),
            Node(image_id, "container_image", latest=LatestMap.of({"docker_image_name": image}, 5)))


@pytest.mark.parametrize(("image", "pause"), [("registry.k8s.io/pause:3.9", True), ("k8s.gcr.io/pause:3.1", True),
                                              ("nginx:alpine", False)])
def test_containers_get_their_pod_and_pause_containers_make_no_connections(image: str, pause: bool) -> None:
    container, img = _container("a1", {"io.kubernetes.pod.uid": "uid-1", "io.kubernetes.pod.name": "web"}, image)
    other, img2 = _container("b2", {"app": "not kubernetes"}, "busybox")
    report = Report().with_node(TopologyKind.CONTAINER, container).with_node(TopologyKind.CONTAINER, other) \
        .with_node(TopologyKind.CONTAINER_IMAGE, img).with_node(TopologyKind.CONTAINER_IMAGE, img2)
    tagged = tag_containers(report).nodes(TopologyKind.CONTAINER)
    assert tagged[container.id].parents.get("pod") == {"uid-1;<pod>"}
    assert ("does_not_make_connections" in tagged[container.id].latest) is pause
    assert tagged[other.id] == other
