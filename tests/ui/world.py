"""The real thing for the UI tests and the screenshots: the web UI bundle (built when stale), `scope app` and
`scope probe` as subprocesses on free loopback ports (stopped by their own pids), and demo containers in a
private dockerd (tests/docker/dockerd.py).

    with Scope(tmp, probe_args=["--no-docker"]) as scope:
        page.goto(scope.url)
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
UI_INDEX = REPO / "src" / "scopeapp" / "ui" / "index.html"
CHROMIUM = "/usr/bin/chromium"
_SCOPE = ["-c", "import sys, scopecli; sys.exit(scopecli.main())"]


def why_no_browser() -> str | None:
    """Why Playwright with the Debian Chromium cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright Python package (pip install -e .[test])"
    return None


def why_no_build() -> str | None:
    """Why the UI cannot be built here (None if it is built and fresh, or node and npm exist)."""
    if UI_INDEX.exists() and not ui_is_stale():
        return None
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "needs node and npm to build the UI (apt-get install nodejs npm)"
    return None


def _sources() -> list[Path]:
    files = [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    files += [FRONTEND / n for n in ("index.html", "vite.config.ts", "tsconfig.json", "package.json",
                                     "package-lock.json")]
    return [p for p in files if p.exists()]


def ui_is_stale() -> bool:
    """True if the bundle is missing or older than a source file."""
    if not UI_INDEX.exists():
        return True
    built = UI_INDEX.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _sources())


def build_ui() -> None:
    """`npm ci` (once) and `npm run build` in frontend/ when the bundle is stale."""
    if not ui_is_stale():
        return
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
    subprocess.run(["npm", "run", "--silent", "build"], cwd=FRONTEND, check=True)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Scope:
    """`scope app` plus `scope probe` publishing to it; a context manager that stops both by pid."""

    def __init__(self, workdir: Path, probe_args: list[str] | None = None, env: dict[str, str] | None = None,
                 app_args: list[str] | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.grpc_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.probe_args = probe_args or []
        self.app_args = app_args or []
        self.env = {**os.environ, **(env or {})}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.app: subprocess.Popen[bytes]
        self.probe: subprocess.Popen[bytes]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, *_SCOPE, *args], stdout=log, stderr=subprocess.STDOUT,
                                env=self.env, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, timeout: float = 30.0) -> None:
        """Start the app, wait until it is ready, start the probe, wait until it has published."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.app = self._start_app(timeout)
        # Kubernetes stays off unless a test names its API server (tests/k8s/fake_apiserver.py's kubeconfig).
        kubernetes = [] if "--kubeconfig" in self.probe_args else ["--no-kubernetes"]
        self.probe = self._spawn("probe", ["probe", "--app", f"http://127.0.0.1:{self.port}", *kubernetes,
                                           "--no-plugins", "--spy-interval", "0.5s", "--publish-interval", "1s",
                                           *self.probe_args])
        self._wait(lambda: any(p.get("online") for p in self.get("api/probes")), timeout, self.probe)
        self._wait(lambda: self.get("api/topology/hosts")["nodes"] != {}, timeout, self.probe)

    def _start_app(self, timeout: float) -> subprocess.Popen[bytes]:
        app = self._spawn("app", ["app", "--listen", f"127.0.0.1:{self.port}",
                                  "--grpc-listen", f"127.0.0.1:{self.grpc_port}", *self.app_args])
        self._wait(lambda: self.get("readyz")["status"] == "ready", timeout, app)
        return app

    def restart_app(self, down: float = 0.0, timeout: float = 30.0) -> None:
        """Stop the app by its pid, wait `down` seconds, start it again on the same ports."""
        self._stop(self.app)
        self.procs.remove(self.app)
        time.sleep(down)
        self.app = self._start_app(timeout)

    def stop_probe(self) -> None:
        """Stop the probe by its pid (the app then reports it offline)."""
        self._stop(self.probe)

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _wait(self, ready: Any, timeout: float, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"scope exited with {proc.returncode}; see {self.workdir}")
            with contextlib.suppress(OSError, ValueError, KeyError, urllib.error.URLError):
                if ready():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"scope not ready in {timeout} s; see {self.workdir}")
            time.sleep(0.1)

    def get(self, path: str) -> Any:
        """GET a path of the app, as JSON (with the admin token when one is configured)."""
        token = self.env.get("SCOPE_ADMIN_TOKEN")
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read() or b"null")

    def stop(self) -> None:
        """SIGTERM each process by its pid (probe first), SIGKILL if it hangs."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            self._stop(proc)
        self.procs = []

    def __enter__(self) -> "Scope":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


# A small shop in containers: a web server, an API polling it and talking to a db, a worker writing logs with
# levels. Labels make the label filter and grouping useful.
DEMO = {
    "shop-db": ("db", "while true; do nc -ll -p 5432 -e /bin/cat; sleep 1; done"),
    "shop-web": ("web", "mkdir -p /www && echo '<h1>shop</h1>' > /www/index.html && httpd -f -p 8080 -h /www"),
    "shop-api": ("api", "while true; do wget -q -O /dev/null http://shop-web:8080/ 2>/dev/null; "
                        "(echo SELECT 1; sleep 2) | nc shop-db 5432 >/dev/null 2>&1; sleep 1; done"),
    "shop-worker": ("worker", "i=0; while true; do i=$((i+1)); echo \"$(date -Iseconds) INFO job $i done\"; "
                              "[ $((i % 5)) -eq 0 ] && echo \"$(date -Iseconds) WARN queue slow at job $i\"; "
                              "[ $((i % 7)) -eq 0 ] && echo \"$(date -Iseconds) ERROR job $i failed: timeout\"; "
                              "sleep 0.5; done"),
}


def run_demo(api: Any, network: str, image: str = "local/busybox:latest") -> dict[str, str]:
    """Create a user network and the demo containers on it; name -> container ID."""
    api.create_network(network, driver="bridge")
    made: dict[str, str] = {}
    for name, (tier, cmd) in DEMO.items():
        c = api.create_container(image, ["sh", "-c", cmd], name=name, hostname=name, stop_signal="SIGKILL",
                                 labels={"app": "shop", "tier": tier},
                                 host_config=api.create_host_config(network_mode=network),
                                 networking_config=api.create_networking_config(
                                     {network: api.create_endpoint_config(aliases=[name])}))
        api.start(c["Id"])
        made[name] = c["Id"]
    return made


def remove_demo(api: Any, made: dict[str, str], network: str) -> None:
    """Remove what run_demo made."""
    for cid in made.values():
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)
    with contextlib.suppress(Exception):
        api.remove_network(network)
