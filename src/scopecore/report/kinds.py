"""The topology kinds a report holds: Weave Scope's 23, with their wire names."""

from enum import Enum


class TopologyKind(Enum):
    """A report topology. The value is the name nodes carry in `topology`; `field` is the report's wire key."""

    ENDPOINT = "endpoint"
    PROCESS = "process"
    CONTAINER = "container"
    CONTAINER_IMAGE = "container_image"
    POD = "pod"
    SERVICE = "service"
    DEPLOYMENT = "deployment"
    REPLICA_SET = "replica_set"
    DAEMON_SET = "daemon_set"
    STATEFUL_SET = "stateful_set"
    CRON_JOB = "cron_job"
    JOB = "job"
    NAMESPACE = "namespace"
    HOST = "host"
    OVERLAY = "overlay"
    PERSISTENT_VOLUME = "persistent_volume"
    PERSISTENT_VOLUME_CLAIM = "persistent_volume_claim"
    STORAGE_CLASS = "storage_class"
    VOLUME_SNAPSHOT = "volume_snapshot"
    VOLUME_SNAPSHOT_DATA = "volume_snapshot_data"
    ECS_TASK = "ecs_task"
    ECS_SERVICE = "ecs_service"
    SWARM_SERVICE = "swarm_service"

    # Members are singletons compared by identity; Enum's own __hash__ (hash of the name, in Python) is a
    # tenth of a report merge, whose maps are keyed by kind.
    __hash__ = object.__hash__

    @property
    def field(self) -> str:
        """The report's wire key for this topology, e.g. `ContainerImage`."""
        return _FIELDS[self]

    @classmethod
    def from_field(cls, field: str) -> "TopologyKind | None":
        """The kind whose wire key is `field`, or None."""
        return _BY_FIELD.get(field)


_FIELDS = {
    k: "".join(part.capitalize() for part in k.value.split("_")).replace("Ecs", "ECS") for k in TopologyKind
}
_BY_FIELD = {f: k for k, f in _FIELDS.items()}
# Scope's wire order (report.go's struct), which Scope readers do not need but humans diffing JSON like.
_WIRE_FIELDS = (
    "Endpoint", "Process", "Container", "Pod", "Service", "Deployment", "ReplicaSet", "DaemonSet",
    "StatefulSet", "CronJob", "Namespace", "ContainerImage", "Host", "ECSTask", "ECSService", "SwarmService",
    "Overlay", "PersistentVolume", "PersistentVolumeClaim", "StorageClass", "VolumeSnapshot",
    "VolumeSnapshotData", "Job",
)
WIRE_ORDER: tuple[TopologyKind, ...] = tuple(_BY_FIELD[f] for f in _WIRE_FIELDS)
