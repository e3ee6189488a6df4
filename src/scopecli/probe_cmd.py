"""`scope probe` and `scope launch`."""

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from scopeapp.durations import parse_duration

from . import app_cmd


def add_probe_flags(p: argparse.ArgumentParser, with_apps: bool = True) -> None:
    """Flags shared by `scope probe` and `scope launch`."""
    if with_apps:
        p.add_argument("--app", action="append", default=[], metavar="URL",
                       help="an app to publish to, repeatable: http://host:4040 (our app's gRPC stream is found "
                            "from it; a Scope app gets Scope's HTTP POST) or host:port of a gRPC stream")
    p.add_argument("--token", default="", help="the probe token for the app(s)")
    p.add_argument("--tls-ca", type=Path, metavar="FILE",
                   help="CA certificate to trust for apps serving TLS (HTTPS and the gRPC stream)")
    p.add_argument("--spy-interval", default="1s", type=parse_duration, metavar="DURATION",
                   help="how often the host is read (default 1s)")
    p.add_argument("--publish-interval", default="3s", type=parse_duration, metavar="DURATION",
                   help="how often reports are sent (default 3s)")
    p.add_argument("--full-report-every", default=3, type=int, metavar="N",
                   help="every Nth publish is a full report, the others deltas (default 3)")
    p.add_argument("--proc-root", default=Path("/proc"), type=Path, metavar="DIR",
                   help="the host's /proc (when running in a container with it mounted elsewhere)")
    p.add_argument("--plugins-root", type=Path, default=Path("/var/run/scope/plugins"), metavar="DIR",
                   help="where Scope plugins' unix sockets are looked for (default /var/run/scope/plugins)")
    p.add_argument("--docker-env-vars", action="store_true",
                   help="report containers' environment variables (hidden by default, as Scope's probe does; "
                        "the API can still hide them per request with hideEnvironmentVariables=true)")
    p.add_argument("--kubeconfig", metavar="FILE",
                   help="the Kubernetes API server to watch (default: in-cluster, then $KUBECONFIG, then "
                        "~/.kube/config; none: Kubernetes stays off)")
    p.add_argument("--kubernetes-role", choices=("host", "cluster", "all"), default="all",
                   help="host: this node's pods only (the DaemonSet); cluster: the cluster-wide objects (one "
                        "Deployment); all: both, for a single probe (default)")
    p.add_argument("--kubernetes-node-name", default="", metavar="NAME",
                   help="this host's Kubernetes node name (default: $KUBERNETES_NODENAME, then the hostname)")
    for source, what in (("ebpf", "the eBPF connection tracker"), ("conntrack", "conntrack flows"),
                         ("docker", "Docker"), ("kubernetes", "Kubernetes"), ("plugins", "Scope plugins")):
        p.add_argument(f"--no-{source}", action="store_true", help=f"turn off {what}")


def register(sub: Any) -> None:
    """Add `scope probe` and `scope launch`."""
    p = sub.add_parser("probe", help="run the probe on this host", description="Run a probe on this host.")
    add_probe_flags(p)
    p.add_argument("--once", action="store_true", help="print one report as JSON and exit")
    p.add_argument("--metrics-listen", metavar="HOST:PORT",
                   help="serve the probe's own Prometheus metrics (per-reporter tick costs) here")
    p.set_defaults(run=run_probe)
    launch = sub.add_parser("launch", help="run the app and a probe on this host in one command",
                            description="Run the app and a local probe; prints the URL to open.")
    app_cmd.add_app_flags(launch)
    add_probe_flags(launch, with_apps=False)
    launch.set_defaults(run=run_launch)


def probe_config(args: argparse.Namespace, apps: list[str]) -> Any:
    """A ProbeConfig from parsed flags."""
    from scopeprobe.probe import ProbeConfig

    return ProbeConfig(apps=apps, token=args.token, spy_interval=args.spy_interval,
                       publish_interval=args.publish_interval, full_every=max(1, args.full_report_every),
                       proc_root=args.proc_root, conntrack=not args.no_conntrack, ebpf=not args.no_ebpf,
                       docker=not args.no_docker, docker_env_vars=args.docker_env_vars,
                       kubernetes=not args.no_kubernetes, kubeconfig=args.kubeconfig,
                       kubernetes_role=args.kubernetes_role, kubernetes_node_name=args.kubernetes_node_name,
                       plugins=not args.no_plugins,
                       tls_ca=getattr(args, "tls_ca", None), plugins_root=args.plugins_root)


def run_probe(args: argparse.Namespace) -> int:
    """`scope probe`."""
    from scopeapp import logs
    from scopecore.codec import JSON, dumps
    from scopeprobe.probe import Probe

    logs.setup()
    probe = Probe(probe_config(args, args.app or ["http://127.0.0.1:4040"]))
    if args.metrics_listen:
        from prometheus_client import start_http_server

        host, port = app_cmd.host_port(args.metrics_listen, 4042)
        start_http_server(port, addr=host, registry=probe.metrics.registry)
    if args.once:
        sys.stdout.write(dumps(asyncio.run(probe.once()), JSON).decode() + "\n")
        return 0
    return _until_signal(probe.run())


def run_launch(args: argparse.Namespace) -> int:
    """`scope launch`: the app and a probe publishing to it."""
    from scopeapp import logs
    from scopeprobe.probe import Probe

    logs.setup(args.log_level)
    config = app_cmd.config_from(args)
    probe_args = probe_config(args, [])

    async def both() -> int:
        probe_task: asyncio.Task[None] | None = None

        async def start_probe() -> None:
            nonlocal probe_task
            grpc = f"{config.grpc_host}:{config.grpc_port}" if config.grpc_port else None
            probe_args.apps = [grpc] if grpc else [f"http://{config.host}:{config.port}"]
            probe_args.token = args.token or probe_args.token
            probe_task = asyncio.create_task(Probe(probe_args).run())
            print(f"probe publishing; API reference at http://{config.host}:{config.port}/api/docs", flush=True)

        try:
            return await app_cmd.serve_forever(config, on_started=start_probe)
        finally:
            if probe_task is not None:
                probe_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await probe_task

    return asyncio.run(both())


def _until_signal(coro: Any) -> int:
    async def main() -> int:
        task = asyncio.create_task(coro)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return 0

    return asyncio.run(main())
