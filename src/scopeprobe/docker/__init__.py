"""The probe's Docker integration: containers and images as Scope's Container and ContainerImage topologies,
container metrics read from cgroups, the container controls with their pipes, and process -> container.

    DockerReporter(host_id, ...)       start() / stop(), report(now_ns), handle_control(node_id, control, args),
                                       pipe_input(pipe_id, data), pipe_closed(pipe_id), container_of(pid)
    container_of(pid, proc_root)       the Docker container a process is in, by its cgroup (cached)
    docker_host(env)                   where the docker CLI would look for the daemon
"""

from scopeprobe.docker_host import DEFAULT_HOST, docker_host

from .controls import CONTROLS, LogsOptions, logs_options
from .errors import ContainerNotFound, DockerError, DockerUnavailable
from .nodes import NetworkContext, NodeOptions
from .pipes import PipeClose, PipeSend
from .procmap import ContainerMapper, container_of
from .reporter import DockerReporter, OnShortcut, host_network_context
from .topologies import CONTAINER_TOPOLOGY, IMAGE_TOPOLOGY, active_controls

__all__ = [
    "CONTAINER_TOPOLOGY",
    "CONTROLS",
    "DEFAULT_HOST",
    "IMAGE_TOPOLOGY",
    "ContainerMapper",
    "ContainerNotFound",
    "DockerError",
    "DockerReporter",
    "DockerUnavailable",
    "LogsOptions",
    "NetworkContext",
    "NodeOptions",
    "OnShortcut",
    "PipeClose",
    "PipeSend",
    "active_controls",
    "container_of",
    "docker_host",
    "host_network_context",
    "logs_options",
]
