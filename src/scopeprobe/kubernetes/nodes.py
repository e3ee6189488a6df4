"""Kubernetes objects (the API server's JSON, as dicts) -> report nodes in Scope's shapes. Pure functions: the
reporter passes whatever related objects a node needs (owners, services, endpoints)."""

from collections.abc import Iterable, Mapping
from typing import Any

from scopecore.report import DNSRecord, LatestMap, Node, Sets, TopologyKind, ids

from . import keys as k

Obj = Mapping[str, Any]
K = TopologyKind

TAGS: dict[TopologyKind, str] = {
    K.POD: ids.POD, K.SERVICE: ids.SERVICE, K.DEPLOYMENT: ids.DEPLOYMENT, K.REPLICA_SET: ids.REPLICA_SET,
    K.DAEMON_SET: ids.DAEMON_SET, K.STATEFUL_SET: ids.STATEFUL_SET, K.CRON_JOB: ids.CRON_JOB, K.JOB: ids.JOB,
    K.NAMESPACE: ids.NAMESPACE, K.PERSISTENT_VOLUME: ids.PERSISTENT_VOLUME,
    K.PERSISTENT_VOLUME_CLAIM: ids.PERSISTENT_VOLUME_CLAIM, K.STORAGE_CLASS: ids.STORAGE_CLASS,
}
# ownerReferences kinds -> the topology of the parent they make.
OWNER_KINDS = {"ReplicaSet": K.REPLICA_SET, "DaemonSet": K.DAEMON_SET, "StatefulSet": K.STATEFUL_SET,
               "Job": K.JOB, "Deployment": K.DEPLOYMENT, "CronJob": K.CRON_JOB}
NODE_TYPES = {K.DEPLOYMENT: "Deployment", K.REPLICA_SET: "ReplicaSet", K.DAEMON_SET: "DaemonSet",
              K.STATEFUL_SET: "StatefulSet", K.CRON_JOB: "CronJob", K.JOB: "Job",
              K.PERSISTENT_VOLUME: "Persistent Volume", K.PERSISTENT_VOLUME_CLAIM: "Persistent Volume Claim",
              K.STORAGE_CLASS: "Storage Class"}


def meta(o: Obj) -> Mapping[str, Any]:
    """The object's metadata (empty if it has none)."""
    return o.get("metadata") or {}


def uid(o: Obj) -> str:
    """The object's UID; a static (mirror) pod's config hash, as Scope (its UID differs between API and kubelet)."""
    m = meta(o)
    return (m.get("annotations") or {}).get("kubernetes.io/config.hash") or m.get("uid") or ""


def node_id(kind: TopologyKind, o: Obj) -> str:
    """The report node ID of an object: `<uid>;<pod>` and so on."""
    return ids.tagged(TAGS[kind], uid(o))


def owner_ids(o: Obj) -> list[tuple[TopologyKind, str]]:
    """(topology, node ID) of each owner this object names."""
    out = []
    for ref in meta(o).get("ownerReferences") or ():
        kind = OWNER_KINDS.get(ref.get("kind", ""))
        if kind is not None and ref.get("uid"):
            out.append((kind, ids.tagged(TAGS[kind], ref["uid"])))
    return out


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A label selector (a Service's plain map, or a LabelSelector with matchLabels/matchExpressions) against
    labels. An empty or missing selector selects nothing here (a Service without one has no pods)."""
    if not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(a) == b for a, b in selector.items())
    if not all(labels.get(a) == b for a, b in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or ():
        key, op, values = e.get("key", ""), e.get("operator", ""), e.get("values") or ()
        ok = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}.get(op, False)
        if not ok:
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def _meta_latest(o: Obj) -> dict[str, str]:
    m = meta(o)
    latest = {k.NAME: m.get("name") or "", k.CREATED: m.get("creationTimestamp") or ""}
    if m.get("namespace"):
        latest[k.NAMESPACE] = m["namespace"]
    for key, v in (m.get("labels") or {}).items():
        latest[k.LABEL_PREFIX + key] = str(v)
    for key, v in (m.get("annotations") or {}).items():
        if key != k.LAST_APPLIED:
            latest[k.ANNOTATION_PREFIX + key] = str(v)
    return latest


def _node(kind: TopologyKind, o: Obj, latest: Mapping[str, str], now: int, *,
          parents: Mapping[str, Iterable[str]] | None = None, sets: Mapping[str, Iterable[str]] | None = None,
          probe_id: str = "", controls: Iterable[str] = ()) -> Node:
    values = {**_meta_latest(o), **latest}
    if kind in NODE_TYPES:
        values[k.NODE_TYPE] = NODE_TYPES[kind]
    if probe_id:
        values[k.CONTROL_PROBE_ID] = probe_id
        values[k.ACTIVE_CONTROLS] = ids.join_list(sorted(controls))
    return Node(node_id(kind, o), kind.value, latest=LatestMap.of({a: b for a, b in values.items() if b != ""}, now),
                sets=Sets.of(sets or {}), parents=Sets.of(parents or {}))


def _num(v: Any) -> str:
    return "" if v is None else str(v)


def pod(o: Obj, now: int, *, parents: Mapping[str, Iterable[str]], probe_id: str = "") -> Node:
    """A pod (Scope's pod.go), plus its node name, container names and the claims of its volumes."""
    spec, status = o.get("spec") or {}, o.get("status") or {}
    restarts = sum(int(cs.get("restartCount") or 0) for cs in status.get("containerStatuses") or ())
    latest = {k.STATE: status.get("phase") or "", k.IP: status.get("podIP") or "", k.RESTART_COUNT: str(restarts),
              k.NODE_NAME: spec.get("nodeName") or "",
              k.CONTAINERS: ids.join_list([c.get("name", "") for c in spec.get("containers") or ()])}
    if spec.get("hostNetwork"):
        latest[k.IS_IN_HOST_NETWORK] = "true"
    claims = [v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes") or ()
              if (v.get("persistentVolumeClaim") or {}).get("claimName")]
    if claims:
        latest[k.VOLUME_CLAIM] = ids.join_list(claims)
    return _node(K.POD, o, latest, now, parents=parents, probe_id=probe_id,
                 controls=(k.GET_LOGS, k.DELETE_POD, k.DESCRIBE))


def deleted(kind: TopologyKind, o: Obj, now: int) -> Node:
    """What is published for a while after an object goes: its ID with state "deleted" (as Scope does for pods;
    the render drops such nodes)."""
    return Node(node_id(kind, o), kind.value, latest=LatestMap.of({k.STATE: k.STATE_DELETED}, now))


def service(o: Obj, now: int, endpoints: Obj | None, *, probe_id: str = "") -> Node:
    """A service: its cluster IP (what connections to it are attributed by), type, ports and endpoints."""
    spec, status = o.get("spec") or {}, o.get("status") or {}
    ingress = (status.get("loadBalancer") or {}).get("ingress") or ()
    ports = []
    for p in spec.get("ports") or ():
        s = f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        if p.get("targetPort") not in (None, p.get("port")):
            s += f"->{p['targetPort']}"
        if p.get("nodePort"):
            s += f" (node {p['nodePort']})"
        ports.append(s)
    cluster_ip = spec.get("clusterIP") or ""
    latest = {k.IP: "" if cluster_ip == "None" else cluster_ip, k.TYPE: spec.get("type") or "ClusterIP",
              k.PORTS: ", ".join(ports), k.PUBLIC_IP: (ingress[0].get("ip") or "") if ingress else "",
              k.SELECTOR: ",".join(f"{a}={b}" for a, b in sorted((spec.get("selector") or {}).items()))}
    addresses = set()
    for subset in (endpoints or {}).get("subsets") or ():
        for a in subset.get("addresses") or ():
            for p in subset.get("ports") or [{}]:
                addresses.add(f"{a.get('ip')}:{p.get('port')}" if p.get("port") else str(a.get("ip")))
    return _node(K.SERVICE, o, latest, now, sets={k.ENDPOINTS: addresses} if addresses else None,
                 probe_id=probe_id, controls=(k.DESCRIBE,))


def service_names(services: Iterable[Obj]) -> dict[str, DNSRecord]:
    """Each cluster IP's in-cluster DNS name, `<service>.<namespace>.svc`: the render attributes connections to
    a cluster IP to its service by it (the pods behind it are chosen by a DNAT the client never sees)."""
    out: dict[str, DNSRecord] = {}
    for o in services:
        m, ips = meta(o), (o.get("spec") or {}).get("clusterIPs") or [(o.get("spec") or {}).get("clusterIP")]
        for ip in ips:
            if ip and ip != "None":
                out[ip] = DNSRecord(forward=frozenset({f"{m.get('name')}.{m.get('namespace')}.svc"}))
    return out


def controller(kind: TopologyKind, o: Obj, now: int, *, parents: Mapping[str, Iterable[str]] | None = None,
               probe_id: str = "") -> Node:
    """A deployment, replica set, daemon set, stateful set, cron job or job."""
    spec, status = o.get("spec") or {}, o.get("status") or {}
    latest: dict[str, str] = {k.OBSERVED_GENERATION: _num(status.get("observedGeneration"))}
    controls: tuple[str, ...] = (k.DESCRIBE,)
    if kind in (K.DEPLOYMENT, K.REPLICA_SET, K.STATEFUL_SET):
        latest |= {k.DESIRED_REPLICAS: _num(spec.get("replicas", 1)), k.REPLICAS: _num(status.get("replicas", 0))}
        if kind is not K.REPLICA_SET:
            controls = (k.SCALE_UP, k.SCALE_DOWN, k.DESCRIBE)
    if kind is K.DEPLOYMENT:
        latest[k.STRATEGY] = (spec.get("strategy") or {}).get("type") or ""
    elif kind is K.DAEMON_SET:
        latest |= {k.DESIRED_REPLICAS: _num(status.get("desiredNumberScheduled")),
                   k.REPLICAS: _num(status.get("currentNumberScheduled"))}
    elif kind is K.CRON_JOB:
        latest |= {k.SCHEDULE: spec.get("schedule") or "", k.SUSPENDED: str(bool(spec.get("suspend"))).lower(),
                   k.LAST_SCHEDULED: status.get("lastScheduleTime") or "",
                   k.ACTIVE_JOBS: str(len(status.get("active") or ()))}
    elif kind is K.JOB:
        latest |= {k.COMPLETIONS: _num(spec.get("completions")), k.SUCCEEDED: _num(status.get("succeeded", 0)),
                   k.FAILED: _num(status.get("failed", 0)), k.ACTIVE: _num(status.get("active", 0))}
    return _node(kind, o, latest, now, parents=parents, probe_id=probe_id, controls=controls)


def namespace(o: Obj, now: int) -> Node:
    """A namespace."""
    return _node(K.NAMESPACE, o, {k.STATE: (o.get("status") or {}).get("phase") or ""}, now)


def volume(kind: TopologyKind, o: Obj, now: int) -> Node:
    """A persistent volume, a claim, or a storage class, with the names the render joins them by."""
    spec, status = o.get("spec") or {}, o.get("status") or {}
    if kind is K.PERSISTENT_VOLUME:
        drivers = [d for d in spec if d not in ("accessModes", "capacity", "claimRef", "persistentVolumeReclaimPolicy",
                                               "storageClassName", "volumeMode", "mountOptions", "nodeAffinity")]
        latest = {k.VOLUME_CLAIM: (spec.get("claimRef") or {}).get("name") or "",
                  k.STORAGE_CLASS_NAME: spec.get("storageClassName") or "",
                  k.ACCESS_MODES: ",".join(spec.get("accessModes") or ()), k.STATUS: status.get("phase") or "",
                  k.STORAGE_DRIVER: ((spec.get("csi") or {}).get("driver") or ",".join(drivers)),
                  k.VOLUME_CAPACITY: (spec.get("capacity") or {}).get("storage") or "",
                  k.RECLAIM_POLICY: spec.get("persistentVolumeReclaimPolicy") or ""}
    elif kind is K.PERSISTENT_VOLUME_CLAIM:
        latest = {k.STATUS: status.get("phase") or "", k.VOLUME_NAME: spec.get("volumeName") or "",
                  k.STORAGE_CLASS_NAME: spec.get("storageClassName") or "",
                  k.VOLUME_CAPACITY: (status.get("capacity") or {}).get("storage") or ""}
    else:
        latest = {k.PROVISIONER: o.get("provisioner") or ""}
    return _node(kind, o, latest, now)


def host_facts(o: Obj, host_id: str, now: int, probe_id: str = "") -> Node:
    """A Kubernetes node's facts on its host node: addresses, capacity, allocatable, node info, cordoned. With
    `probe_id` (the probe on that node), its cordon or uncordon control too."""
    spec, status = o.get("spec") or {}, o.get("status") or {}
    latest = {k.NODE_NAME: meta(o).get("name") or "", k.UNSCHEDULABLE: str(bool(spec.get("unschedulable"))).lower()}
    for a in status.get("addresses") or ():
        latest[f"{k.NODE_PREFIX}{a.get('type')}"] = a.get("address") or ""
    for what in ("capacity", "allocatable"):
        for res, v in (status.get(what) or {}).items():
            latest[f"{k.NODE_PREFIX}{what} {res}"] = str(v)
    for key, v in (status.get("nodeInfo") or {}).items():
        if key not in ("machineID", "systemUUID", "bootID"):
            latest[f"{k.NODE_PREFIX}{key}"] = str(v)
    if probe_id:
        latest[k.CONTROL_PROBE_ID] = probe_id
        latest[k.ACTIVE_CONTROLS] = k.UNCORDON if spec.get("unschedulable") else k.CORDON
    return Node(ids.host(host_id), K.HOST.value, latest=LatestMap.of({a: b for a, b in latest.items() if b}, now))
