"""The names the Docker reporter writes: latest keys, set keys, metric IDs and control IDs.

Scope's names (report/map_keys.go, probe/docker/*.go) are kept exactly, so a Scope app or UI shows our containers
as its own; the names Scope lacked (limits, mounts, I/O rates, logs) follow its `docker_` pattern.
"""

from typing import Final

# Latest keys (Scope's).
CONTAINER_ID: Final = "docker_container_id"
CONTAINER_NAME: Final = "docker_container_name"
CONTAINER_COMMAND: Final = "docker_container_command"
CONTAINER_CREATED: Final = "docker_container_created"
CONTAINER_HOSTNAME: Final = "docker_container_hostname"
CONTAINER_STATE: Final = "docker_container_state"
CONTAINER_STATE_HUMAN: Final = "docker_container_state_human"
CONTAINER_UPTIME: Final = "docker_container_uptime"
CONTAINER_RESTART_COUNT: Final = "docker_container_restart_count"
CONTAINER_NETWORK_MODE: Final = "docker_container_network_mode"
IS_IN_HOST_NETWORK: Final = "docker_is_in_host_network"
IMAGE_ID: Final = "docker_image_id"
IMAGE_NAME: Final = "docker_image_name"
IMAGE_TAG: Final = "docker_image_tag"
IMAGE_SIZE: Final = "docker_image_size"
IMAGE_VIRTUAL_SIZE: Final = "docker_image_virtual_size"
LABEL_PREFIX: Final = "docker_label_"
ENV_PREFIX: Final = "docker_env_"
IMAGE_LABEL_PREFIX: Final = "docker_image_label_"
IMAGE_TABLE: Final = "image_table"

# Common keys every Scope reporter may write (report/map_keys.go).
ACTIVE_CONTROLS: Final = "active_controls"
CONTROL_PROBE_ID: Final = "control_probe_id"
HOST_NODE_ID: Final = "host_node_id"

# Latest keys Scope lacked.
CONTAINER_CPU_LIMIT: Final = "docker_container_cpu_limit"  # CPUs, e.g. "0.5"; absent when unlimited
CONTAINER_MEMORY_LIMIT: Final = "docker_container_memory_limit"  # bytes; absent when unlimited
MOUNT_PREFIX: Final = "docker_mount_"  # docker_mount_<destination> = "<source> (<type>, rw|ro)"

# Set keys (Scope's).
CONTAINER_PORTS: Final = "docker_container_ports"
CONTAINER_NETWORKS: Final = "docker_container_networks"
CONTAINER_IPS: Final = "docker_container_ips"
CONTAINER_IPS_WITH_SCOPES: Final = "docker_container_ips_with_scopes"

# Metrics. Scope's two, then ours (rates are per second, over the interval since the previous report).
CPU_TOTAL_USAGE: Final = "docker_cpu_total_usage"  # % of the whole host (all CPUs), max 100, as Scope
MEMORY_USAGE: Final = "docker_memory_usage"  # bytes without page cache; max = the limit (or host memory)
NETWORK_RX_RATE: Final = "docker_network_rx_bytes_per_second"
NETWORK_TX_RATE: Final = "docker_network_tx_bytes_per_second"
BLOCK_READ_RATE: Final = "docker_block_read_bytes_per_second"
BLOCK_WRITE_RATE: Final = "docker_block_write_bytes_per_second"

# Control IDs (Scope's report/map_keys.go and probe/docker/controls.go), plus logs.
STOP_CONTAINER: Final = "docker_stop_container"
START_CONTAINER: Final = "docker_start_container"
RESTART_CONTAINER: Final = "docker_restart_container"
PAUSE_CONTAINER: Final = "docker_pause_container"
UNPAUSE_CONTAINER: Final = "docker_unpause_container"
REMOVE_CONTAINER: Final = "docker_remove_container"
ATTACH_CONTAINER: Final = "docker_attach_container"
EXEC_CONTAINER: Final = "docker_exec_container"
RESIZE_EXEC_TTY: Final = "docker_resize_exec_tty"  # args pipeID, height, width; not shown in the UI
GET_LOGS: Final = "docker_get_logs"  # named after Scope's kubernetes_get_logs

# docker_container_state values (go-dockerclient's State.StateString, plus Scope's "deleted" for destroyed).
STATE_RUNNING: Final = "running"
STATE_PAUSED: Final = "paused"
STATE_RESTARTING: Final = "restarting"
STATE_EXITED: Final = "exited"
STATE_CREATED: Final = "created"
STATE_DEAD: Final = "dead"
STATE_DELETED: Final = "deleted"
