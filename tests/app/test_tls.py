"""TLS on both servers: HTTPS for the API, TLS on the probes' gRPC stream, with a certificate the test makes."""

import asyncio
import shutil
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scopeapp.app import serve
from scopeapp.config import AppConfig
from scopeapp.keys import GRPC_PORT
from scopeprobe.probe import Probe, ProbeConfig

pytestmark = [pytest.mark.app, pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_https_and_a_probe_over_tls(tmp_path: Path, wait_until: Any) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    port = _port()
    runner, app = await serve(AppConfig(port=port, grpc_port=0, tls_cert=cert, tls_key=key))
    probe_task = None
    try:
        trust = ssl.create_default_context(cafile=str(cert))
        async with aiohttp.ClientSession() as http:
            async with http.get(f"https://127.0.0.1:{port}/api", ssl=trust) as resp:
                assert resp.status == 200
                assert (await resp.json())["capabilities"]["probe_stream"] == f"127.0.0.1:{app[GRPC_PORT][0]}"
            with pytest.raises(aiohttp.ClientConnectorError):  # plain HTTP, or an untrusted certificate, fails
                await http.get(f"https://127.0.0.1:{port}/api")
            probe = Probe(ProbeConfig(apps=[f"https://127.0.0.1:{port}"], tls_ca=cert, spy_interval=0.3,
                                      publish_interval=0.6, ebpf=False, conntrack=False, docker=False))
            probe_task = asyncio.create_task(probe.run())

            async def published() -> bool:
                async with http.get(f"https://127.0.0.1:{port}/api/probes", ssl=trust) as r:
                    body = await r.json()
                return bool(body) and body[0]["transport"] == "grpc" and body[0]["reports"] >= 1

            await wait_until(published, timeout=20)
    finally:
        if probe_task is not None:
            probe_task.cancel()
            await asyncio.gather(probe_task, return_exceptions=True)
        await runner.cleanup()
