"""A private Docker daemon for tests and benchmarks, and the busybox image they run (there is no registry here).

The daemon has its own data root, exec root, socket and pidfile under one directory, and its own network
namespace (`unshare --net`): its bridges, iptables rules and sysctls (ip_forward, the FORWARD policy) stay out of
the host's, so test traffic only crosses bridges the test created and other suites' forwarding is untouched.
The socket is a file, so the host side reaches it as usual; container processes are in the host's pid namespace
and cgroups, as in production. It is stopped by its own pid.

    with PrivateDockerd(tmp / "docker") as d:
        d.import_busybox()                # local/busybox:latest from busybox-static, by `docker import`
        d.api.create_container(...)       # a docker.APIClient on the private socket
"""

import contextlib
import io
import os
import shutil
import signal
import socket
import struct
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import docker

BUSYBOX = "/bin/busybox"
IMAGE = "local/busybox:latest"


def _is_static_elf(path: str) -> bool:
    """True for a 64-bit little-endian ELF without a PT_INTERP header: it runs in an image with no libc."""
    try:
        head = Path(path).read_bytes()[:4096]
    except OSError:
        return False
    if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", head, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
    types = [struct.unpack_from("<I", head, phoff + i * phentsize)[0] for i in range(phnum)
             if phoff + (i + 1) * phentsize <= len(head)]
    return bool(types) and 3 not in types  # PT_INTERP


def why_not() -> str | None:
    """Why a private dockerd cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root: runs a private dockerd"
    if shutil.which("dockerd") is None:
        return "needs dockerd (apt-get install docker.io)"
    for tool, package in (("unshare", "util-linux"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            return f"needs {tool} (apt-get install {package})"
    if not _is_static_elf(BUSYBOX):
        return "needs a static busybox (apt-get install busybox-static)"
    return None


def busybox_rootfs_tar() -> bytes:
    """A rootfs with /bin/busybox, one symlink per applet, /etc/passwd, /etc/group and a 1777 /tmp."""
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name: str, data: bytes = b"", mode: int = 0o644, kind: bytes = tarfile.REGTYPE,
                link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.mode, info.type, info.linkname, info.size = mode, kind, link, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)

        for d, mode in (("bin", 0o755), ("etc", 0o755), ("tmp", 0o1777), ("root", 0o700)):
            add(d, mode=mode, kind=tarfile.DIRTYPE)
        add("bin/busybox", Path(BUSYBOX).read_bytes(), 0o755)
        for applet in applets:
            if applet != "busybox":
                add(f"bin/{applet}", kind=tarfile.SYMTYPE, link="busybox", mode=0o777)
        add("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        add("etc/group", b"root:x:0:\n")
    return buf.getvalue()


class PrivateDockerd:
    """dockerd on a private socket; start() waits until it answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sock = root / "docker.sock"
        self.host = f"unix://{self.sock}"
        self.pidfile = root / "docker.pid"
        self.log = root / "dockerd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._api: Any = None

    @property
    def env(self) -> dict[str, str]:
        """An environment pointing the docker CLI (and our reporter) at this daemon."""
        return {"DOCKER_HOST": self.host}

    @property
    def api(self) -> Any:
        """A docker.APIClient on this daemon."""
        if self._api is None:
            self._api = docker.APIClient(base_url=self.host, version="1.41", timeout=60)
        return self._api

    def start(self, timeout: float = 30.0) -> None:
        """Start the daemon and wait until it answers."""
        self.root.mkdir(parents=True, exist_ok=True)
        dockerd = ["dockerd", "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
                   "-H", self.host, "--pidfile", str(self.pidfile), "--shutdown-timeout=2"]
        # A fresh network namespace has its loopback down; docker-proxy binds published ports there. unshare and
        # sh exec, so the child's pid is dockerd's.
        cmd = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *dockerd]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"dockerd exited with {self.proc.returncode}: see {self.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"dockerd did not answer in {timeout} s: see {self.log}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        # A raw connect first: the SDK leaks its socket when connect() fails (the reporter works around it too).
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.connect(str(self.sock))
            except OSError:
                return False
        client = docker.APIClient(base_url=self.host, version="1.41", timeout=5)
        try:
            client.ping()
            return True
        except Exception:
            return False
        finally:
            client.close()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the daemon (it stops its containers), by its own pid; SIGKILL if it hangs."""
        if self._api is not None:
            self._api.close()
            self._api = None
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self) -> None:
        """Stop and start again on the same data root."""
        self.stop()
        self.start()

    def import_busybox(self) -> str:
        """`docker import` the busybox rootfs as local/busybox:latest (CMD /bin/sh, PATH=/bin); its ID."""
        repo, tag = IMAGE.split(":")
        tar = self.root / "busybox-rootfs.tar"
        tar.write_bytes(busybox_rootfs_tar())
        self.api.import_image_from_file(str(tar), repository=repo, tag=tag,
                                        changes=['CMD ["/bin/sh"]', "ENV PATH=/bin"])
        return str(self.api.inspect_image(IMAGE)["Id"])

    def remove_all(self) -> None:
        """Remove every container (forced) and every user network: what a session leaves behind."""
        for c in self.api.containers(all=True, quiet=True):
            with contextlib.suppress(docker.errors.NotFound):  # removed meanwhile (--rm)
                self.api.remove_container(c["Id"], force=True)
        for n in self.api.networks():
            if n["Name"] not in ("bridge", "host", "none"):
                self.api.remove_network(n["Id"])

    def __enter__(self) -> "PrivateDockerd":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc is not None:
                self.remove_all()
        finally:
            self.stop()
