"""Errors of the Docker reporter. The SDK's exceptions (and requests', which are OSErrors) are translated in
client.py, the one module that calls the SDK, so nothing else depends on them."""

from scopeprobe.errors import ProbeError


class DockerError(ProbeError):
    """A Docker API call failed: the daemon answered with an error (the message is the daemon's)."""


class DockerUnavailable(DockerError):
    """No daemon answers at the address (not running, restarting, or no permission on its socket)."""


class ContainerNotFound(DockerError):
    """The daemon has no such container (it was removed meanwhile: a normal race with events)."""
