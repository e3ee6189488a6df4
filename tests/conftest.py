"""Hypothesis profiles: `default` for local runs and `ci` (HYPOTHESIS_PROFILE=ci) with the same settings.

No deadline: the first example of a test pays for imports and warm-up, and a slow CI core must not turn that
into a flaky failure. 100 examples per test keeps the whole law suite to seconds.
"""

import asyncio
import os
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll until check() is true, or fail after timeout seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    """`await wait_until(check, timeout)`: poll an async condition."""
    return eventually
