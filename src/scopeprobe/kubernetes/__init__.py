"""Kubernetes in the probe: list+watch informers per role (reporter), Scope-shaped nodes (nodes), controls.

Only the light parts are imported here; the reporter and controls import the official client (40 MB), which a
probe loads only once an API server is configured (config.find_config).
"""

from .config import NoApiServer, Role, api_client, find_config
from .tagging import tag_containers

__all__ = ["NoApiServer", "Role", "api_client", "find_config", "tag_containers"]
