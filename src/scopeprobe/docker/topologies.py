"""How the Container and ContainerImage topologies are shown: shape, labels, templates and controls.

Scope's entries are copied from what Scope 1.13 wrote (fixtures/scope-1.13/report.json), including its
quirks (the leading spaces of the image table's row labels sort them first). Ours come after Scope's by
priority or rank, so a Scope UI shows its own rows where it always did.
"""

from collections.abc import Mapping
from typing import Any

from scopecore.report import Control, MetadataTemplate, MetricTemplate, TableTemplate, Topology

from . import keys

_CONTROLS = (
    Control(keys.GET_LOGS, "Get logs", "fa fa-file-alt", rank=0),
    Control(keys.ATTACH_CONTAINER, "Attach", "fa fa-desktop", rank=1),
    Control(keys.EXEC_CONTAINER, "Exec shell", "fa fa-terminal", rank=2),
    Control(keys.START_CONTAINER, "Start", "fa fa-play", rank=3),
    Control(keys.RESTART_CONTAINER, "Restart", "fa fa-redo", rank=4),
    Control(keys.PAUSE_CONTAINER, "Pause", "fa fa-pause", rank=5),
    Control(keys.UNPAUSE_CONTAINER, "Unpause", "fa fa-play", rank=6),
    Control(keys.STOP_CONTAINER, "Stop", "fa fa-stop", rank=7),
    Control(keys.REMOVE_CONTAINER, "Remove", "far fa-trash-alt", rank=8),
)

_LATEST, _SETS = "latest", "sets"
_METADATA = (
    MetadataTemplate(keys.IMAGE_TAG, "Image tag", priority=1.0, from_=_LATEST),
    MetadataTemplate(keys.IMAGE_NAME, "Image name", priority=2.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_COMMAND, "Command", priority=3.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_STATE_HUMAN, "State", priority=4.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_UPTIME, "Uptime", datatype="duration", priority=5.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_RESTART_COUNT, "Restart #", priority=6.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_NETWORKS, "Networks", priority=7.0, from_=_SETS),
    MetadataTemplate(keys.CONTAINER_IPS, "IPs", priority=8.0, from_=_SETS),
    MetadataTemplate(keys.CONTAINER_PORTS, "Ports", priority=9.0, from_=_SETS),
    MetadataTemplate(keys.CONTAINER_CREATED, "Created", datatype="datetime", priority=10.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_ID, "ID", truncate=12, priority=11.0, from_=_LATEST),
    # Ours.
    MetadataTemplate(keys.CONTAINER_CPU_LIMIT, "CPU limit", datatype="number", priority=12.0, from_=_LATEST),
    MetadataTemplate(keys.CONTAINER_MEMORY_LIMIT, "Memory limit", datatype="number", priority=13.0, from_=_LATEST),
)

_METRICS = (
    MetricTemplate(keys.CPU_TOTAL_USAGE, "CPU", "percent", priority=1.0),
    MetricTemplate(keys.MEMORY_USAGE, "Memory", "filesize", priority=2.0),
    # Ours: Scope's formats have no rate, so the unit is in the label.
    MetricTemplate(keys.NETWORK_RX_RATE, "Network in /s", "filesize", priority=3.0),
    MetricTemplate(keys.NETWORK_TX_RATE, "Network out /s", "filesize", priority=4.0),
    MetricTemplate(keys.BLOCK_READ_RATE, "Disk read /s", "filesize", priority=5.0),
    MetricTemplate(keys.BLOCK_WRITE_RATE, "Disk write /s", "filesize", priority=6.0),
)

_PROPERTY_LIST = "property-list"
_TABLES = (
    TableTemplate(keys.LABEL_PREFIX, "Docker labels", keys.LABEL_PREFIX, _PROPERTY_LIST),
    TableTemplate(keys.ENV_PREFIX, "Environment variables", keys.ENV_PREFIX, _PROPERTY_LIST),
    TableTemplate(keys.IMAGE_TABLE, "Image", "", _PROPERTY_LIST, fixed_rows=(
        (keys.IMAGE_ID, " ID"), (keys.IMAGE_NAME, " Name"), (keys.IMAGE_SIZE, "Size"), (keys.IMAGE_TAG, " Tag"),
        (keys.IMAGE_VIRTUAL_SIZE, "Virtual size"),
    )),
    TableTemplate(keys.MOUNT_PREFIX, "Mounts", keys.MOUNT_PREFIX, _PROPERTY_LIST),  # ours
)

CONTAINER_TOPOLOGY = Topology(
    shape="hexagon",
    label="container",
    label_plural="containers",
    controls={c.id: c for c in _CONTROLS},
    metadata_templates={t.id: t for t in _METADATA},
    metric_templates={t.id: t for t in _METRICS},
    table_templates={t.id: t for t in _TABLES},
)
"""The Container topology without nodes."""

IMAGE_TOPOLOGY = Topology(
    shape="hexagon",
    label="image",
    label_plural="images",
    metadata_templates={
        # A render-time counter of the image's containers (Scope's `count_container`).
        "container": MetadataTemplate("container", "# Containers", datatype="number", priority=2.0,
                                      from_="counters"),
    },
    table_templates={
        keys.IMAGE_LABEL_PREFIX: TableTemplate(keys.IMAGE_LABEL_PREFIX, "Docker labels", keys.IMAGE_LABEL_PREFIX,
                                               _PROPERTY_LIST),
    },
)
"""The ContainerImage topology without nodes."""

_RUNNING_CONTROLS = (keys.RESTART_CONTAINER, keys.STOP_CONTAINER, keys.PAUSE_CONTAINER, keys.ATTACH_CONTAINER,
                     keys.EXEC_CONTAINER, keys.GET_LOGS)
_PAUSED_CONTROLS = (keys.UNPAUSE_CONTAINER,)
_STOPPED_CONTROLS = (keys.START_CONTAINER, keys.REMOVE_CONTAINER, keys.GET_LOGS)


def active_controls(state: Mapping[str, Any]) -> tuple[str, ...]:
    """The controls a container in this inspect `State` offers, in Scope's order (probe/docker/container.go):
    paused -> unpause; running (or restarting) -> restart, stop, pause, attach, exec; otherwise start, remove.
    Logs are offered whenever the container is not paused (the log of a stopped container is still there)."""
    if state.get("Paused"):
        return _PAUSED_CONTROLS
    if state.get("Running"):
        return _RUNNING_CONTROLS
    return _STOPPED_CONTROLS
