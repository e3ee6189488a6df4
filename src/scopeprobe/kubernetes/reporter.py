"""The Kubernetes reporter: informers per kind (which kinds depends on the role), the report built from their
stores when something changed, and a shortcut report soon after every watch event.

Roles (Scope #2972: every probe watching everything hammers the API server):
- host: this node's pods (fieldSelector spec.nodeName) and this node; the probe that owns pod controls.
- cluster: everything cluster-wide (one such probe per cluster): services, controllers, namespaces, volumes,
  nodes, and all pods to relate them (owners, selectors). Owns the controls of controllers and services.
- all (no role given): both, in one probe; for one-node clusters and trying things out.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable

from kubernetes import client

from scopecore.report import Report, ReportBuilder, TopologyKind, ids

from . import nodes
from .config import Role
from .informer import Informer, Obj, key_of
from .resources import BY_TOPOLOGY, RESOURCES
from .topologies import HOST, TOPOLOGIES

log = logging.getLogger("scopeprobe.kubernetes")
K = TopologyKind
_DEBOUNCE = 0.1  # a burst of events (a relist, a rollout) becomes one shortcut report
# How long a deleted object is still reported as deleted: longer than an app's window, so every report that
# still holds the live object is outvoted (Scope does this for pods; merging cannot remove a node).
_TOMBSTONE_SECONDS = 60.0


# How the report builds each kind's nodes.
_CONTROLLERS = (K.DEPLOYMENT, K.REPLICA_SET, K.DAEMON_SET, K.STATEFUL_SET, K.JOB, K.CRON_JOB)
_VOLUMES = (K.PERSISTENT_VOLUME, K.PERSISTENT_VOLUME_CLAIM, K.STORAGE_CLASS)


class KubernetesReporter:
    """Watches the API server through `api` (an ApiClient) and reports what it sees."""

    def __init__(self, api: client.ApiClient, *, role: Role, node_name: str, hostname: str, probe_id: str,
                 on_shortcut: Callable[[Report], None] | None = None) -> None:
        self.api, self.role, self.node_name, self.hostname = api, role, node_name, hostname
        self.probe_id = probe_id
        self._on_shortcut = on_shortcut
        self.informers: dict[str, Informer] = {}
        for name, res in RESOURCES.items():
            if res.cluster_only and role is Role.HOST:
                continue
            selectors = {}
            if role is Role.HOST:  # only what is on this node
                selectors["field_selector"] = (f"spec.nodeName={node_name}" if name == "pods"
                                               else f"metadata.name={node_name}")
            list_fn = getattr(getattr(client, res.api)(api), res.list_method)
            self.informers[name] = Informer(name, list_fn, self._event, selectors=selectors)
        self._generation = 0
        self._tombstones: dict[str, tuple[float, TopologyKind, Obj]] = {}  # node ID -> (deleted at, kind, last)
        self._built: tuple[int, Report] | None = None
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._publisher = threading.Thread(target=self._publish_loop, name="k8s-shortcuts", daemon=True)

    # --- lifecycle ---

    def start(self) -> None:
        """Start every informer and the shortcut publisher."""
        for inf in self.informers.values():
            inf.start()
        self._publisher.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching, and wait (up to `timeout` s) until no request of ours is in flight."""
        self._stop.set()
        self._changed.set()
        for inf in self.informers.values():
            inf.stop()
        deadline = time.monotonic() + timeout
        for inf in self.informers.values():
            inf.join(max(0.0, deadline - time.monotonic()))
        if self._publisher.is_alive():
            self._publisher.join(max(0.0, deadline - time.monotonic()))

    def wait_synced(self, timeout: float) -> bool:
        """True once every informer has listed once."""
        deadline = time.monotonic() + timeout
        return all(inf.synced.wait(max(0.0, deadline - time.monotonic())) for inf in self.informers.values())

    @property
    def errors(self) -> dict[str, str]:
        """The last error of each informer that is failing now."""
        return {name: inf.error for name, inf in self.informers.items() if inf.error}

    def _event(self, resource: str, event: str, o: Obj) -> None:
        kind = RESOURCES[resource].topology
        if kind is not None and event in ("ADDED", "DELETED"):
            nid = nodes.node_id(kind, o)
            if event == "DELETED":
                self._tombstones[nid] = (time.monotonic(), kind, o)
            else:
                self._tombstones.pop(nid, None)
        self._generation += 1
        self._changed.set()

    def _publish_loop(self) -> None:
        while not self._stop.is_set():
            self._changed.wait()
            if self._stop.is_set():
                return
            time.sleep(_DEBOUNCE)
            self._changed.clear()
            if self._on_shortcut is not None:
                try:
                    self._on_shortcut(self.report(time.time_ns(), shortcut=True))
                except Exception:
                    log.exception("kubernetes shortcut report failed")

    # --- lookups for controls ---

    def find(self, kind: TopologyKind, node_id: str) -> Obj | None:
        """The object shown as a report node, or None."""
        res = BY_TOPOLOGY.get(kind)
        inf = self.informers.get(res.plural) if res is not None else None
        for o in inf.objects() if inf is not None else ():
            if nodes.node_id(kind, o) == node_id:
                return o
        return None

    def node_object(self, host_node_id: str) -> Obj | None:
        """The Kubernetes node shown as this host node."""
        inf = self.informers.get("nodes")
        for o in inf.objects() if inf is not None else ():
            if ids.host(self._host_of((o.get("metadata") or {}).get("name", ""))) == host_node_id:
                return o
        return None

    # --- the report ---

    def _host_of(self, node_name: str) -> str:
        # The host probe on a node reports its host by hostname, which need not be the node's name.
        return self.hostname if node_name == self.node_name else node_name

    def _objects(self, name: str) -> list[Obj]:
        inf = self.informers.get(name)
        return inf.objects() if inf is not None else []

    def report(self, now: int, shortcut: bool = False) -> Report:
        """Everything the stores hold, as a report (rebuilt only when a watch event came since the last)."""
        generation = self._generation
        if self._built is not None and self._built[0] == generation and not shortcut:
            return self._built[1]
        b = ReportBuilder(ts=now, shortcut=shortcut)
        for kind, topo in TOPOLOGIES.items():
            b.describe(kind, topo)
        # Who answers controls: pods (logs, delete) their node's host probe, the rest the cluster probe.
        cluster_probe = self.probe_id if self.role is not Role.HOST else ""
        pod_probe = self.probe_id if self.role is not Role.CLUSTER else ""
        by_uid = {nodes.uid(o): o for name in ("replicasets", "jobs") for o in self._objects(name)}
        services = self._objects("services")
        for o in self._objects("pods"):
            b.add(K.POD, nodes.pod(o, now, parents=self._pod_parents(o, by_uid, services), probe_id=pod_probe))
        endpoints = self.informers.get("endpoints")  # an Endpoints object is named as its service
        for o in services:
            b.add(K.SERVICE, nodes.service(o, now, endpoints.get(key_of(o)) if endpoints is not None else None,
                                           probe_id=cluster_probe))
        b.merge(Report(dns=nodes.service_names(services)))
        for kind in _CONTROLLERS:
            for o in self._objects(BY_TOPOLOGY[kind].plural):
                parents = _group(nodes.owner_ids(o))
                b.add(kind, nodes.controller(kind, o, now, parents=parents, probe_id=cluster_probe))
        for o in self._objects("namespaces"):
            b.add(K.NAMESPACE, nodes.namespace(o, now))
        for kind in _VOLUMES:
            for o in self._objects(BY_TOPOLOGY[kind].plural):
                b.add(kind, nodes.volume(kind, o, now))
        for o in self._objects("nodes"):
            name = nodes.meta(o).get("name", "")
            mine = name == self.node_name and self.role is not Role.CLUSTER
            b.add(K.HOST, nodes.host_facts(o, self._host_of(name), now, self.probe_id if mine else ""))
            if mine:
                b.describe(K.HOST, HOST)
        expired = time.monotonic() - _TOMBSTONE_SECONDS
        for nid, (at, kind, o) in list(self._tombstones.items()):
            if at < expired:
                self._tombstones.pop(nid, None)
            else:
                b.add(kind, nodes.deleted(kind, o, now))
        report = b.freeze()
        if not shortcut:
            self._built = (generation, report)
        return report

    def _pod_parents(self, o: Obj, by_uid: dict[str, Obj], services: list[Obj]) -> dict[str, set[str]]:
        found = list(nodes.owner_ids(o))
        for ref in (nodes.meta(o).get("ownerReferences") or ()):
            owner = by_uid.get(ref.get("uid", ""))
            if owner is not None:  # a replica set's deployment, a job's cron job
                found += [(kind, nid) for kind, nid in nodes.owner_ids(owner) if kind in (K.DEPLOYMENT, K.CRON_JOB)]
        m = nodes.meta(o)
        labels = m.get("labels") or {}
        for s in services:
            sm = nodes.meta(s)
            if sm.get("namespace") == m.get("namespace") and nodes.selector_matches(
                    (s.get("spec") or {}).get("selector"), labels):
                found.append((K.SERVICE, nodes.node_id(K.SERVICE, s)))
        node_name = (o.get("spec") or {}).get("nodeName")
        if node_name:
            found.append((K.HOST, ids.host(self._host_of(node_name))))
        return _group(found)


def _group(pairs: Iterable[tuple[TopologyKind, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for kind, nid in pairs:
        out.setdefault(kind.value, set()).add(nid)
    return out
