"""How the Kubernetes topologies are shown: Scope 1.13's shapes, labels, templates and controls
(probe/kubernetes/reporter.go), then our rows (annotations, endpoints, node facts, job counts)."""

from scopecore.report import Control, MetadataTemplate, TableTemplate, Topology, TopologyKind

from . import keys as k

_L, _S, _C = "latest", "sets", "counters"


def _meta(*rows: tuple[str, str, float, str, str]) -> dict[str, MetadataTemplate]:
    return {i: MetadataTemplate(i, label, datatype=dt, priority=prio, from_=src) for i, label, prio, dt, src in rows}


_TABLES = {
    k.LABEL_PREFIX: TableTemplate(k.LABEL_PREFIX, "Kubernetes labels", prefix=k.LABEL_PREFIX, type="property-list"),
    k.ANNOTATION_PREFIX: TableTemplate(k.ANNOTATION_PREFIX, "Kubernetes annotations", prefix=k.ANNOTATION_PREFIX,
                                       type="property-list"),
}
_DESCRIBE = Control(k.DESCRIBE, "Describe", "fa fa-file-alt", rank=10)
_SCALING = {k.SCALE_DOWN: Control(k.SCALE_DOWN, "Scale down", "fa fa-minus", rank=0),
            k.SCALE_UP: Control(k.SCALE_UP, "Scale up", "fa fa-plus", rank=1), k.DESCRIBE: _DESCRIBE}
_NS = (k.NAMESPACE, "Namespace", 2.0, "", _L)
_CREATED = (k.CREATED, "Created", 3.0, "datetime", _L)
_TYPE = (k.NODE_TYPE, "Type", 1.0, "", _L)
_PODS = ("pod", "# Pods", 6.0, "number", _C)


def _topology(shape: str, label: str, plural: str, *rows: tuple[str, str, float, str, str],
              controls: dict[str, Control] | None = None, tag: str = "") -> Topology:
    return Topology(shape=shape, tag=tag, label=label, label_plural=plural, metadata_templates=_meta(*rows),
                    table_templates=_TABLES, controls=controls or {k.DESCRIBE: _DESCRIBE})


TOPOLOGIES: dict[TopologyKind, Topology] = {
    TopologyKind.POD: _topology(
        "heptagon", "pod", "pods",
        (k.STATE, "State", 2.0, "", _L), (k.IP, "IP", 3.0, "ip", _L), ("container", "# Containers", 4.0, "number", _C),
        (k.NAMESPACE, "Namespace", 5.0, "", _L), (k.CREATED, "Created", 6.0, "datetime", _L),
        (k.RESTART_COUNT, "Restart #", 7.0, "", _L), (k.NODE_NAME, "Node", 8.0, "", _L),
        (k.CONTAINERS, "Containers", 9.0, "", _L),
        controls={k.GET_LOGS: Control(k.GET_LOGS, "Get logs", "fa fa-desktop", rank=0),
                  k.DELETE_POD: Control(k.DELETE_POD, "Delete", "fa fa-trash-alt", rank=1,
                                        confirmation="Delete this pod?"),
                  k.DESCRIBE: _DESCRIBE}),
    TopologyKind.SERVICE: _topology(
        "heptagon", "service", "services", _NS, _CREATED, (k.PUBLIC_IP, "Public IP", 4.0, "ip", _L),
        (k.IP, "Internal IP", 5.0, "ip", _L), _PODS, (k.TYPE, "Type", 7.0, "", _L), (k.PORTS, "Ports", 8.0, "", _L),
        (k.ENDPOINTS, "Endpoints", 9.0, "", _S), (k.SELECTOR, "Selector", 10.0, "", _L)),
    TopologyKind.DEPLOYMENT: _topology(
        "heptagon", "deployment", "deployments", _TYPE, _NS, _CREATED,
        (k.OBSERVED_GENERATION, "Observed gen.", 4.0, "number", _L),
        (k.DESIRED_REPLICAS, "Desired replicas", 5.0, "number", _L), _PODS, (k.STRATEGY, "Strategy", 7.0, "", _L),
        (k.REPLICAS, "Replicas", 8.0, "number", _L), controls=_SCALING),
    TopologyKind.REPLICA_SET: _topology(
        "triangle", "replica set", "replica sets", _TYPE, _NS, _CREATED,
        (k.OBSERVED_GENERATION, "Observed gen.", 4.0, "number", _L),
        (k.DESIRED_REPLICAS, "Desired replicas", 5.0, "number", _L), _PODS),
    TopologyKind.DAEMON_SET: _topology(
        "pentagon", "daemonset", "daemonsets", _TYPE, _NS, _CREATED,
        (k.DESIRED_REPLICAS, "Desired replicas", 4.0, "number", _L), _PODS,
        (k.REPLICAS, "Replicas", 7.0, "number", _L)),
    TopologyKind.STATEFUL_SET: _topology(
        "octagon", "stateful set", "stateful sets", _TYPE, _NS, _CREATED,
        (k.OBSERVED_GENERATION, "Observed gen.", 4.0, "number", _L),
        (k.DESIRED_REPLICAS, "Desired replicas", 5.0, "number", _L), _PODS,
        (k.REPLICAS, "Replicas", 7.0, "number", _L), controls=_SCALING),
    TopologyKind.CRON_JOB: _topology(
        "triangle", "cron job", "cron jobs", _TYPE, _NS, _CREATED, (k.SCHEDULE, "Schedule", 4.0, "", _L),
        (k.LAST_SCHEDULED, "Last scheduled", 5.0, "datetime", _L), (k.SUSPENDED, "Suspended", 6.0, "", _L),
        (k.ACTIVE_JOBS, "# Jobs", 7.0, "number", _L), ("pod", "# Pods", 8.0, "number", _C)),
    TopologyKind.JOB: _topology(
        "dottedtriangle", "job", "jobs", _TYPE, _NS, _CREATED, (k.COMPLETIONS, "Completions", 4.0, "number", _L),
        (k.SUCCEEDED, "Succeeded", 5.0, "number", _L), (k.FAILED, "Failed", 6.0, "number", _L),
        (k.ACTIVE, "Active", 7.0, "number", _L)),
    TopologyKind.NAMESPACE: _topology("cloud", "namespace", "namespaces", _CREATED, (k.STATE, "State", 4.0, "", _L)),
    TopologyKind.PERSISTENT_VOLUME: _topology(
        "cylinder", "persistent volume", "persistent volumes", _TYPE, (k.VOLUME_CLAIM, "Volume claim", 2.0, "", _L),
        (k.STORAGE_CLASS_NAME, "Storage class", 3.0, "", _L), (k.ACCESS_MODES, "Access modes", 5.0, "", _L),
        (k.STATUS, "Status", 6.0, "", _L), (k.STORAGE_DRIVER, "Storage driver", 7.0, "", _L),
        (k.VOLUME_CAPACITY, "Capacity", 8.0, "", _L), (k.RECLAIM_POLICY, "Reclaim policy", 9.0, "", _L)),
    TopologyKind.PERSISTENT_VOLUME_CLAIM: _topology(
        "dottedcylinder", "persistent volume claim", "persistent volume claims", _TYPE, _NS,
        (k.STATUS, "Status", 3.0, "", _L), (k.VOLUME_NAME, "Volume", 4.0, "", _L),
        (k.STORAGE_CLASS_NAME, "Storage class", 5.0, "", _L), (k.VOLUME_CAPACITY, "Capacity", 6.0, "", _L)),
    TopologyKind.STORAGE_CLASS: _topology(
        "storagesheet", "storage class", "storage classes", _TYPE, (k.NAME, "Name", 2.0, "", _L),
        (k.PROVISIONER, "Provisioner", 3.0, "", _L)),
}

# Node facts ride on the host node (a Kubernetes node is a host); cordoning is a host control.
HOST_CONTROLS = {k.CORDON: Control(k.CORDON, "Cordon", "fa fa-ban", rank=20),
                 k.UNCORDON: Control(k.UNCORDON, "Uncordon", "fa fa-check", rank=21)}
HOST = Topology(controls=HOST_CONTROLS, metadata_templates=_meta(
    (k.NODE_NAME, "Kubernetes node", 20.0, "", _L), (k.UNSCHEDULABLE, "Unschedulable", 21.0, "", _L)),
    table_templates={k.NODE_PREFIX: TableTemplate(k.NODE_PREFIX, "Kubernetes node", prefix=k.NODE_PREFIX,
                                                  type="property-list")})
