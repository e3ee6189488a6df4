"""pytest fixtures of the probe's procfs tests (constants and helpers are in procfixture.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from procfixture import TcpPair, copy_fixture
from procfixture import tcp_pair as _tcp_pair


@pytest.fixture
def tcp_pair() -> Iterator[TcpPair]:
    """A live TCP server and client on 127.0.0.1, connected; both killed afterwards (by their handles)."""
    with _tcp_pair() as pair:
        yield pair


@pytest.fixture
def proc_copy(tmp_path: Path) -> Path:
    """A writable copy of the captured /proc tree."""
    return copy_fixture(tmp_path / "proc")
