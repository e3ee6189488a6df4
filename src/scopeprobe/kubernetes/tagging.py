"""Containers Kubernetes started, tagged from their Docker labels alone (no API server needed; Scope's Tagger)."""

from scopecore.report import LatestMap, Node, Report, ReportBuilder, Sets, TopologyKind, ids

from . import keys as k

K = TopologyKind


def tag_containers(report: Report) -> Report:
    """Containers Kubernetes started (docker label io.kubernetes.pod.uid) get their pod as parent; pause
    containers are marked as making no connections (their network namespace is the pod's; Scope's Tagger)."""
    patch = ReportBuilder()
    images = report.nodes(K.CONTAINER_IMAGE)
    for n in report.nodes(K.CONTAINER).values():
        uid = n.latest.get(k.DOCKER_POD_UID_LABEL)
        if not uid:
            continue
        entry = n.latest.entry(k.DOCKER_POD_UID_LABEL)
        ts = entry[0] if entry is not None else 0
        latest: dict[str, str] = {}
        image_names = [images[i].latest.get("docker_image_name") or "" for i in n.parents.get("container_image")
                       if i in images] + [n.latest.get("docker_image_name") or ""]
        if any(is_pause_image(name) for name in image_names) or \
                n.latest.get("docker_label_io.kubernetes.docker.type") == "podsandbox":
            latest[k.DOES_NOT_MAKE_CONNECTIONS] = ""
        patch.add(K.CONTAINER, Node(n.id, K.CONTAINER.value, latest=LatestMap.of(latest, ts),
                                    parents=Sets.of({"pod": {ids.tagged(ids.POD, uid)}})))
    return report.merge(patch.freeze()) if patch.has_nodes() else report


def is_pause_image(name: str) -> bool:
    """Kubernetes' pause (sandbox) images, by the names registries have used for them."""
    return any(p in name for p in ("google_containers/pause", "k8s.gcr.io/pause", "registry.k8s.io/pause",
                                   "eks/pause", "/pause-amd64")) or name.rsplit("/", 1)[-1].startswith("pause:")

