"""Typed application state (aiohttp AppKeys), one per shared object."""

from aiohttp import web

from .audit import AuditLog
from .auth import Role, Tokens
from .collector import Collector
from .config import AppConfig
from .metrics import AppMetrics
from .pipes import PipeHub
from .sessions import Sessions
from .views import Views

CONFIG = web.AppKey("config", AppConfig)
TOKENS = web.AppKey("tokens", Tokens)
COLLECTOR = web.AppKey("collector", Collector)
SESSIONS = web.AppKey("sessions", Sessions)
PIPES = web.AppKey("pipes", PipeHub)
AUDIT = web.AppKey("audit", AuditLog)
METRICS = web.AppKey("metrics", AppMetrics)
VIEWS = web.AppKey("views", Views)
# "METHOD /path/{var}" -> the role a route needs; routes absent from it are public (health checks).
ROUTE_ROLES = web.AppKey("route_roles", dict[str, Role])
# The gRPC server's bound port (one entry once it listens; empty without a gRPC server).
GRPC_PORT = web.AppKey("grpc_port", list[int])
