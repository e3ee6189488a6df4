"""The API resources the probe watches: one row each, read by the reporter (what to list, by role), the report
(which topology) and the controls (describe's apiVersion and kind)."""

from typing import NamedTuple

from scopecore.report import TopologyKind

K = TopologyKind


class Resource(NamedTuple):
    """One API resource."""

    plural: str
    api: str  # the official client's API class (kubernetes.client.<api>)
    list_method: str  # its method listing every namespace
    cluster_only: bool  # watched by the cluster role only (a host probe watches its pods and its node)
    api_version: str
    kind: str
    topology: TopologyKind | None  # the report topology of its nodes (None: folded into others' nodes)


RESOURCES: dict[str, Resource] = {r.plural: r for r in (
    Resource("pods", "CoreV1Api", "list_pod_for_all_namespaces", False, "v1", "Pod", K.POD),
    Resource("nodes", "CoreV1Api", "list_node", False, "v1", "Node", None),
    Resource("services", "CoreV1Api", "list_service_for_all_namespaces", True, "v1", "Service", K.SERVICE),
    Resource("endpoints", "CoreV1Api", "list_endpoints_for_all_namespaces", True, "v1", "Endpoints", None),
    Resource("deployments", "AppsV1Api", "list_deployment_for_all_namespaces", True, "apps/v1", "Deployment",
             K.DEPLOYMENT),
    Resource("replicasets", "AppsV1Api", "list_replica_set_for_all_namespaces", True, "apps/v1", "ReplicaSet",
             K.REPLICA_SET),
    Resource("daemonsets", "AppsV1Api", "list_daemon_set_for_all_namespaces", True, "apps/v1", "DaemonSet",
             K.DAEMON_SET),
    Resource("statefulsets", "AppsV1Api", "list_stateful_set_for_all_namespaces", True, "apps/v1", "StatefulSet",
             K.STATEFUL_SET),
    Resource("jobs", "BatchV1Api", "list_job_for_all_namespaces", True, "batch/v1", "Job", K.JOB),
    Resource("cronjobs", "BatchV1Api", "list_cron_job_for_all_namespaces", True, "batch/v1", "CronJob", K.CRON_JOB),
    Resource("namespaces", "CoreV1Api", "list_namespace", True, "v1", "Namespace", K.NAMESPACE),
    Resource("persistentvolumes", "CoreV1Api", "list_persistent_volume", True, "v1", "PersistentVolume",
             K.PERSISTENT_VOLUME),
    Resource("persistentvolumeclaims", "CoreV1Api", "list_persistent_volume_claim_for_all_namespaces", True, "v1",
             "PersistentVolumeClaim", K.PERSISTENT_VOLUME_CLAIM),
    Resource("storageclasses", "StorageV1Api", "list_storage_class", True, "storage.k8s.io/v1", "StorageClass",
             K.STORAGE_CLASS),
)}
# Report topology -> the resource its nodes come from.
BY_TOPOLOGY: dict[TopologyKind, Resource] = {r.topology: r for r in RESOURCES.values() if r.topology is not None}
