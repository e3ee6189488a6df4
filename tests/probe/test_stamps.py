"""Latest timestamps move only when a value changes, across ticks that skip a source."""

import pytest

from scopeprobe.stamps import Stamper

pytestmark = pytest.mark.unit


def test_a_value_keeps_its_first_time_until_it_changes() -> None:
    s = Stamper()
    assert s.stamp("n", {"a": "1"}, 10).entries == {"a": (10, "1")}
    s.end_tick()
    assert s.stamp("n", {"a": "1", "b": "2"}, 20).entries == {"a": (10, "1"), "b": (20, "2")}
    s.end_tick()
    assert s.stamp("n", {"a": "3"}, 30).entries == {"a": (30, "3")}


def test_a_tick_that_skipped_a_node_keeps_it_and_a_full_tick_forgets_it() -> None:
    s = Stamper()
    s.stamp("endpoint", {"pid": "7"}, 10)
    s.stamp("process", {"pid": "7"}, 10)
    s.end_tick()
    s.stamp("process", {"pid": "7"}, 20)  # a tick that did not scan sockets
    s.end_tick(forget=False)
    assert s.stamp("endpoint", {"pid": "7"}, 30).entries == {"pid": (10, "7")}
    s.end_tick()
    s.stamp("process", {"pid": "7"}, 40)  # a full tick without the endpoint: it is gone
    s.end_tick()
    assert s.stamp("endpoint", {"pid": "7"}, 50).entries == {"pid": (50, "7")}
