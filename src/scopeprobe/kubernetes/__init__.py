"""Kubernetes in the probe: list+watch informers per role, Scope-shaped nodes, and the controls."""

from .config import NoApiServer, api_client
from .controls import KubernetesControls
from .reporter import KubernetesReporter, Role, tag_containers

__all__ = ["KubernetesControls", "KubernetesReporter", "NoApiServer", "Role", "api_client", "tag_containers"]
