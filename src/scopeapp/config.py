"""The app's configuration: every flag of `scope app`, with embedded defaults that need nothing else."""

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class AppConfig:
    """What `create_app` needs. Defaults: loopback only, no tokens, a 15 s window."""

    host: str = "127.0.0.1"
    port: int = 4040
    grpc_host: str = "127.0.0.1"
    grpc_port: int | None = 4041  # None: no gRPC server
    window: float = 15.0
    tokens_file: Path | None = None
    audit_log: Path | None = None
    max_body: int = 64 * 1024 * 1024  # compressed request body
    max_decompressed: int = 64 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()
    control_timeout: float = 60.0  # Scope's RPC timeout
    pipe_idle_timeout: float = 60.0  # a pipe nobody is attached to is closed (Scope: 1 min)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    app_id: str = ""
    hostname: str = ""
    extra_env_tokens: dict[str, str] = field(default_factory=dict)  # environment, injectable for tests

    @property
    def exposed(self) -> bool:
        """True if either server listens beyond loopback, where tokens become mandatory."""
        return not (_loopback(self.host) and (self.grpc_port is None or _loopback(self.grpc_host)))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
