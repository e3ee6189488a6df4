"""`scope app`: the app's flags and its run loop."""

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from scopeapp.durations import parse_duration


def host_port(value: str, default_port: int) -> tuple[str, int]:
    """"127.0.0.1:4040" -> ("127.0.0.1", 4040); "[::1]:4040" and a bare host work too."""
    host, sep, port = value.rpartition(":")
    if not sep or "]" in port:
        return value.strip("[]"), default_port
    try:
        return host.strip("[]") or "0.0.0.0", int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}") from None


def add_app_flags(p: argparse.ArgumentParser) -> None:
    """Flags shared by `scope app` and `scope launch`."""
    p.add_argument("--listen", default="127.0.0.1:4040", metavar="HOST:PORT",
                   help="HTTP API and UI address (default 127.0.0.1:4040; beyond loopback, tokens are required)")
    p.add_argument("--grpc-listen", default="127.0.0.1:4041", metavar="HOST:PORT",
                   help="address of the probes' gRPC stream server (default 127.0.0.1:4041; 'off' to disable)")
    p.add_argument("--window", default="15s", type=parse_duration, metavar="DURATION",
                   help="how long each probe's reports are kept and merged (default 15s)")
    p.add_argument("--tokens", type=Path, metavar="FILE",
                   help="tokens file: lines '<viewer|operator|admin|probe> <name> <token>' "
                        "(also SCOPE_{VIEWER,OPERATOR,ADMIN,PROBE}_TOKEN)")
    p.add_argument("--audit-log", type=Path, metavar="FILE",
                   help="append a JSON line per control and pipe open/close to FILE")
    p.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve HTTPS and gRPC over TLS with this cert")
    p.add_argument("--tls-key", type=Path, metavar="FILE", help="the private key of --tls-cert")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def register(sub: Any) -> None:
    """Add `scope app` to the subcommands."""
    p = sub.add_parser("app", help="run the app: ingest, API, UI", description="Run the scope app.")
    add_app_flags(p)
    p.set_defaults(run=run)


def config_from(args: argparse.Namespace) -> Any:
    """An AppConfig from parsed flags."""
    from scopeapp.config import AppConfig

    host, port = host_port(args.listen, 4040)
    grpc_host, grpc_port = ("127.0.0.1", None) if args.grpc_listen == "off" else host_port(args.grpc_listen, 4041)
    return AppConfig(host=host, port=port, grpc_host=grpc_host, grpc_port=grpc_port, window=args.window,
                     tokens_file=args.tokens, audit_log=args.audit_log, tls_cert=args.tls_cert,
                     tls_key=args.tls_key)


async def serve_forever(config: Any, on_started: Any = None) -> int:
    """Run the app until SIGINT/SIGTERM."""
    from scopeapp.app import ConfigError, serve

    try:
        runner, _app = await serve(config)
    except ConfigError as e:
        print(f"scope app: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"scope app: cannot listen on {config.host}:{config.port}: {e.strerror}", file=sys.stderr)
        return 1
    scheme = "https" if config.tls_cert else "http"
    print(f"scope app listening on {scheme}://{config.host}:{config.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if on_started is not None:
        await on_started()
    await stop.wait()
    await runner.cleanup()
    return 0


def run(args: argparse.Namespace) -> int:
    """`scope app`."""
    from scopeapp import logs

    logs.setup(args.log_level)
    return asyncio.run(serve_forever(config_from(args)))
