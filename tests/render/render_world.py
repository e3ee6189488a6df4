"""A small hand-built world for render tests (Scope's test/fixture/report_fixture.go, re-told).

Two hosts on 10.10.10.0/24:

* client host `client.example.com` (10.10.10.20): `curl` (pid 10001, container `client` of image
  `weaveworks/curl:1.0`) connects to the server's apache; `bash` (pid 10002) runs outside any container and
  connects to 8.8.8.8:53 (the Internet); a container IP 172.17.0.2 on the docker bridge.
* server host `server.example.com` (10.10.10.30): `apache` (pid 215, container `server` of image
  `weaveworks/apache:2.4`) listens on :80; an Internet client 1.2.3.4 connects to it; `sleep` (pid 216) is
  unconnected, in the same container.
* a Kubernetes pod `web-1` in namespace `shop` (deployment `web`, service `web-svc`) holds the server container.

`split()` gives one report per host (what the two probes send), `world()` their merge.
"""

from scopecore.report import (
    Control,
    EdgeCounts,
    LatestMap,
    MetadataTemplate,
    Metric,
    Metrics,
    MetricTemplate,
    Node,
    Report,
    Sets,
    TableTemplate,
    Topology,
    TopologyKind,
    ids,
)

T0 = 1_700_000_000_000_000_000
NS = 1_000_000_000

CLIENT, SERVER = "client.example.com", "server.example.com"
CLIENT_IP, SERVER_IP = "10.10.10.20", "10.10.10.30"
CLIENT_HOST, SERVER_HOST = ids.host(CLIENT), ids.host(SERVER)
CURL, BASH = ids.process(CLIENT, 10001), ids.process(CLIENT, 10002)
APACHE, SLEEP = ids.process(SERVER, 215), ids.process(SERVER, 216)
CLIENT_CID, SERVER_CID = "c" * 64, "5" * 64
CLIENT_CONTAINER, SERVER_CONTAINER = ids.container(CLIENT_CID), ids.container(SERVER_CID)
CLIENT_IMAGE_ID, SERVER_IMAGE_ID = "1" * 64, "2" * 64
POD_UID, DEPLOYMENT_UID, SERVICE_UID, NAMESPACE_UID = "pod-uid", "dep-uid", "svc-uid", "ns-uid"
POD = ids.tagged(ids.POD, POD_UID)
DEPLOYMENT = ids.tagged(ids.DEPLOYMENT, DEPLOYMENT_UID)
SERVICE = ids.tagged(ids.SERVICE, SERVICE_UID)
NAMESPACE = ids.tagged(ids.NAMESPACE, NAMESPACE_UID)

CURL_EP = ids.endpoint("", CLIENT_IP, 41234)
APACHE_EP = ids.endpoint("", SERVER_IP, 80)
BASH_EP = ids.endpoint("", CLIENT_IP, 50000)
DNS_EP = ids.endpoint("", "8.8.8.8", 53)
INTERNET_CLIENT_EP = ids.endpoint("", "1.2.3.4", 60000)


def node(node_id: str, topology: str, latest: dict[str, str] | None = None, sets: dict[str, list[str]] | None = None,
         parents: dict[str, list[str]] | None = None, adjacency: tuple[str, ...] = (),
         metrics: dict[str, Metric] | None = None) -> Node:
    """A node stamped at T0."""
    return Node(
        node_id, topology,
        latest=LatestMap.of(latest or {}, T0),
        sets=Sets.of(sets or {}),
        parents=Sets.of(parents or {}),
        adjacency=frozenset(adjacency),
        metrics=Metrics(metrics or {}),
    )


def metric(*values: float, hi: float = 100.0) -> Metric:
    """Samples one second apart from T0."""
    return Metric.of(((T0 + i * NS, v) for i, v in enumerate(values)), min=min(values), max=hi)


PROCESS_TOPOLOGY = Topology(
    shape="square", label="process", label_plural="processes",
    metadata_templates={
        "pid": MetadataTemplate("pid", "PID", datatype="number", priority=1.0, from_="latest"),
        "cmdline": MetadataTemplate("cmdline", "Command", priority=2.0, from_="latest"),
    },
    metric_templates={
        "process_cpu_usage_percent": MetricTemplate("process_cpu_usage_percent", "CPU", "percent", priority=1.0),
        "process_memory_usage_bytes": MetricTemplate("process_memory_usage_bytes", "Memory", "filesize",
                                                     priority=2.0),
    },
)
CONTAINER_TOPOLOGY = Topology(
    shape="hexagon", label="container", label_plural="containers",
    metadata_templates={
        "docker_image_name": MetadataTemplate("docker_image_name", "Image name", priority=2.0, from_="latest"),
        "docker_container_ips": MetadataTemplate("docker_container_ips", "IPs", priority=8.0, from_="sets"),
    },
    table_templates={
        "docker_label_": TableTemplate("docker_label_", "Docker labels", "docker_label_", "property-list"),
    },
    controls={"docker_stop_container": Control("docker_stop_container", "Stop", "fa fa-stop", rank=7)},
)
IMAGE_TOPOLOGY = Topology(
    shape="hexagon", label="image", label_plural="images",
    metadata_templates={"container": MetadataTemplate("container", "# Containers", datatype="number",
                                                      priority=2.0, from_="counters")},
)
HOST_TOPOLOGY = Topology(
    shape="circle", label="host", label_plural="hosts",
    metadata_templates={"host_name": MetadataTemplate("host_name", "Hostname", priority=11.0, from_="latest")},
    metric_templates={"host_cpu_usage_percent": MetricTemplate("host_cpu_usage_percent", "CPU", "percent",
                                                               priority=1.0)},
    controls={"host_exec": Control("host_exec", "Exec shell", "fa fa-terminal")},
)
POD_TOPOLOGY = Topology(shape="heptagon", label="pod", label_plural="pods", metadata_templates={
    "kubernetes_state": MetadataTemplate("kubernetes_state", "State", priority=2.0, from_="latest")})
DEPLOYMENT_TOPOLOGY = Topology(shape="heptagon", label="deployment", label_plural="deployments")
SERVICE_TOPOLOGY = Topology(shape="heptagon", label="service", label_plural="services")
NAMESPACE_TOPOLOGY = Topology(shape="heptagon", label="namespace", label_plural="namespaces")


def _report(nodes: dict[TopologyKind, list[Node]], meta: dict[TopologyKind, Topology],
            dns: dict[str, object] | None = None) -> Report:
    topologies = {}
    for kind in nodes.keys() | meta.keys():
        t = meta.get(kind, Topology())
        topologies[kind] = t.merge(Topology({n.id: n for n in nodes.get(kind, [])}))
    return Report(topologies, ts=T0, window=15 * NS)  # type: ignore[arg-type]


def client_report() -> Report:
    """What the client host's probe sends."""
    host_parent = {"host": [CLIENT_HOST]}
    return _report({
        TopologyKind.ENDPOINT: [
            node(CURL_EP, "endpoint", {"pid": "10001", "host_node_id": CLIENT_HOST}, adjacency=(APACHE_EP,))
            .with_edge_sample(APACHE_EP, "probe-client", T0, EdgeCounts(1000, 5000, 1, 0, 2)),
            node(APACHE_EP, "endpoint"),
            node(BASH_EP, "endpoint", {"pid": "10002", "host_node_id": CLIENT_HOST}, adjacency=(DNS_EP,)),
            node(DNS_EP, "endpoint"),
        ],
        TopologyKind.PROCESS: [
            node(CURL, "process", {"pid": "10001", "name": "curl", "cmdline": "curl http://server/",
                                   "docker_container_id": CLIENT_CID, "host_node_id": CLIENT_HOST},
                 parents={**host_parent, "container": [CLIENT_CONTAINER]},
                 metrics={"process_cpu_usage_percent": metric(0.5, 0.25, hi=200.0)}),
            node(BASH, "process", {"pid": "10002", "name": "bash", "host_node_id": CLIENT_HOST},
                 parents=host_parent),
        ],
        TopologyKind.CONTAINER: [
            node(CLIENT_CONTAINER, "container", {
                "docker_container_id": CLIENT_CID, "docker_container_name": "client", "docker_image_id":
                CLIENT_IMAGE_ID, "docker_container_state": "running", "host_node_id": CLIENT_HOST,
                "docker_label_app": "client", "docker_container_hostname": "client",
                "control_probe_id": "probe-client", "active_controls": "docker_stop_container"},
                sets={"docker_container_ips": ["172.17.0.2"],
                      "docker_container_ips_with_scopes": [f"{CLIENT};172.17.0.2"]},
                parents={**host_parent, "container_image": [ids.container_image(CLIENT_IMAGE_ID)]}),
        ],
        TopologyKind.CONTAINER_IMAGE: [
            node(ids.container_image(CLIENT_IMAGE_ID), "container_image", {
                "docker_image_id": CLIENT_IMAGE_ID, "docker_image_name": "weaveworks/curl:1.0",
                "docker_image_tag": "1.0"}, parents=host_parent),
        ],
        TopologyKind.HOST: [
            node(CLIENT_HOST, "host", {"host_name": CLIENT, "host_node_id": CLIENT_HOST,
                                       "control_probe_id": "probe-client", "active_controls": "host_exec"},
                 sets={"local_networks": ["10.10.10.0/24", "172.17.0.1/16"]},
                 metrics={"host_cpu_usage_percent": metric(12.5, 13.75)}),
        ],
    }, {TopologyKind.PROCESS: PROCESS_TOPOLOGY, TopologyKind.CONTAINER: CONTAINER_TOPOLOGY,
        TopologyKind.CONTAINER_IMAGE: IMAGE_TOPOLOGY, TopologyKind.HOST: HOST_TOPOLOGY})


def server_report(kubernetes: bool = True) -> Report:
    """What the server host's probe sends (with the cluster's Kubernetes objects, unless told not to)."""
    host_parent = {"host": [SERVER_HOST]}
    container_parents = {**host_parent, "container_image": [ids.container_image(SERVER_IMAGE_ID)]}
    if kubernetes:
        container_parents["pod"] = [POD]
    nodes = {
        TopologyKind.ENDPOINT: [
            node(CURL_EP, "endpoint", adjacency=(APACHE_EP,)),
            node(APACHE_EP, "endpoint", {"pid": "215", "host_node_id": SERVER_HOST}),
            node(INTERNET_CLIENT_EP, "endpoint", adjacency=(APACHE_EP,)),
        ],
        TopologyKind.PROCESS: [
            node(APACHE, "process", {"pid": "215", "name": "apache", "docker_container_id": SERVER_CID,
                                     "host_node_id": SERVER_HOST},
                 parents={**host_parent, "container": [SERVER_CONTAINER]}),
            node(SLEEP, "process", {"pid": "216", "name": "sleep", "docker_container_id": SERVER_CID,
                                    "host_node_id": SERVER_HOST},
                 parents={**host_parent, "container": [SERVER_CONTAINER]}),
        ],
        TopologyKind.CONTAINER: [
            node(SERVER_CONTAINER, "container", {
                "docker_container_id": SERVER_CID, "docker_container_name": "server", "docker_image_id":
                SERVER_IMAGE_ID, "docker_container_state": "running", "host_node_id": SERVER_HOST,
                "docker_label_app": "web", "docker_container_hostname": "server",
                "docker_label_io.kubernetes.pod.namespace": "shop"},
                parents=container_parents),
        ],
        TopologyKind.CONTAINER_IMAGE: [
            node(ids.container_image(SERVER_IMAGE_ID), "container_image", {
                "docker_image_id": SERVER_IMAGE_ID, "docker_image_name": "weaveworks/apache:2.4"},
                parents=host_parent),
        ],
        TopologyKind.HOST: [
            node(SERVER_HOST, "host", {"host_name": SERVER, "host_node_id": SERVER_HOST},
                 sets={"local_networks": ["10.10.10.0/24"]}),
        ],
    }
    meta = {TopologyKind.PROCESS: PROCESS_TOPOLOGY, TopologyKind.CONTAINER: CONTAINER_TOPOLOGY,
            TopologyKind.CONTAINER_IMAGE: IMAGE_TOPOLOGY, TopologyKind.HOST: HOST_TOPOLOGY}
    if kubernetes:
        nodes[TopologyKind.POD] = [node(POD, "pod", {
            "kubernetes_name": "web-1", "kubernetes_namespace": "shop", "kubernetes_state": "Running",
            "kubernetes_ip": "10.32.0.7"}, parents={"deployment": [DEPLOYMENT], "service": [SERVICE]})]
        nodes[TopologyKind.DEPLOYMENT] = [node(DEPLOYMENT, "deployment", {
            "kubernetes_name": "web", "kubernetes_namespace": "shop"})]
        nodes[TopologyKind.SERVICE] = [node(SERVICE, "service", {
            "kubernetes_name": "web-svc", "kubernetes_namespace": "shop", "kubernetes_ip": "10.96.0.10"})]
        nodes[TopologyKind.NAMESPACE] = [node(NAMESPACE, "namespace", {"kubernetes_name": "shop"})]
        meta.update({TopologyKind.POD: POD_TOPOLOGY, TopologyKind.DEPLOYMENT: DEPLOYMENT_TOPOLOGY,
                     TopologyKind.SERVICE: SERVICE_TOPOLOGY, TopologyKind.NAMESPACE: NAMESPACE_TOPOLOGY})
    return _report(nodes, meta)


def split(kubernetes: bool = True) -> dict[str, Report]:
    """One report per probe."""
    return {"client": client_report(), "server": server_report(kubernetes)}


def world(kubernetes: bool = True) -> Report:
    """The merged window."""
    return Report.merge_all(split(kubernetes).values())
