"""The UI's unit tests (frontend/src/testing/unit.test.ts: log levels, formatting, topology list, URL state,
delta batching, drill-down), bundled with the rolldown that Vite brings and run with node."""

import shutil
import subprocess
from pathlib import Path

import pytest
from world import FRONTEND

pytestmark = pytest.mark.unit


def test_frontend_unit_tests(tmp_path: Path) -> None:
    rolldown = FRONTEND / "node_modules" / ".bin" / "rolldown"
    if shutil.which("node") is None or not rolldown.exists():
        pytest.skip("needs node and frontend/node_modules (make install, or npm ci in frontend/)")
    bundle = tmp_path / "unit.mjs"
    subprocess.run([str(rolldown), "src/testing/unit.test.ts", "--format", "esm", "--platform", "node",
                    "--file", str(bundle)], cwd=FRONTEND, check=True, capture_output=True)
    run = subprocess.run(["node", str(bundle)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "unit tests passed" in run.stdout
