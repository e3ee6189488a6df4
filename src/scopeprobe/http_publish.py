"""Publishing to a Weave Scope app: `POST /api/report` exactly as a Scope 1.13 probe does (msgpack + gzip, its
headers and auth), with Scope's bounded queue that drops the oldest report."""

import asyncio
import logging
import random
from collections import deque

import aiohttp

from scopeprobe.publish import ClientStats, Identity

log = logging.getLogger("scopeprobe.http_publish")


class HttpAppClient:
    """One Scope app, reports only (Scope apps reach a probe's controls over a websocket the probe dials, which
    this client does not; use our app for controls)."""

    def __init__(self, url: str, identity: Identity, *, token: str = "", queue_size: int = 2,
                 backoff: tuple[float, float] = (1.0, 60.0), timeout: float = 12.0) -> None:
        self.url = url.rstrip("/")
        self.identity = identity
        self.token = token
        self.stats = ClientStats()
        self._queue: deque[bytes] = deque()
        self._queue_size = queue_size
        self._wake = asyncio.Event()
        self.backoff = backoff
        self.timeout = timeout

    def publish(self, body: bytes, kind: str = "full") -> None:
        """Queue a report body (msgpack + gzip); drop the oldest when full."""
        if len(self._queue) >= self._queue_size:
            self._queue.popleft()
            self.stats.dropped += 1
        self._queue.append(body)
        self._wake.set()

    async def run(self) -> None:
        """Post queued reports forever, backing off while the app is unreachable."""
        headers = {
            "Content-Type": "application/msgpack", "Content-Encoding": "gzip",
            "Authorization": f"Scope-Probe token={self.token}", "X-Scope-Probe-ID": self.identity.probe_id,
            "X-Scope-Probe-Version": self.identity.version, "User-Agent": f"Scope_Probe/{self.identity.version}",
        }
        delay = self.backoff[0]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            while True:
                while not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                body = self._queue[0]
                try:
                    async with session.post(f"{self.url}/api/report", data=body, headers=headers) as resp:
                        if resp.status >= 400:
                            log.warning("app rejected a report", extra={"app": self.url, "status": resp.status,
                                                                        "body": (await resp.text())[:200]})
                    self._queue.popleft()
                    self.stats.sent += 1
                    self.stats.connected = True
                    delay = self.backoff[0]
                except (aiohttp.ClientError, TimeoutError) as e:
                    self.stats.failures += 1
                    if self.stats.connected or self.stats.failures == 1:
                        log.warning("app unreachable, retrying", extra={"app": self.url, "error": str(e)})
                    self.stats.connected = False
                    await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                    delay = min(delay * 2, self.backoff[1])
