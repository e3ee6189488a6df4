"""What the reporter knows of the daemon: the last inspect of every container, and the image list.

Written by the watcher on the event loop, read by `report()` (which may run in another thread), so every
access takes the lock and readers get copies.
"""

import threading
from collections.abc import Iterable, Mapping
from typing import Any

Inspect = Mapping[str, Any]
ImageSummary = Mapping[str, Any]


class Registry:
    """Containers by full ID, images by trimmed ID."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._containers: dict[str, Inspect] = {}
        self._images: dict[str, ImageSummary] = {}

    def update(self, container: Inspect) -> None:
        """Record a fresh inspect of a container."""
        with self._lock:
            self._containers[container["Id"]] = container

    def remove(self, container_id: str) -> bool:
        """Forget a container; True if it was known."""
        with self._lock:
            return self._containers.pop(container_id, None) is not None

    def set_images(self, images: Iterable[ImageSummary]) -> None:
        """Replace the image list."""
        by_id = {str(i["Id"]).removeprefix("sha256:"): i for i in images}
        with self._lock:
            self._images = by_id

    def get(self, container_id: str) -> Inspect | None:
        """The container with this full ID, or None."""
        with self._lock:
            return self._containers.get(container_id)

    def lookup(self, ref: str) -> Inspect | None:
        """The container with this ID, unique ID prefix or name (how `container:<ref>` network modes name
        another container), or None."""
        with self._lock:
            if ref in self._containers:
                return self._containers[ref]
            by_name = [c for c in self._containers.values() if (c.get("Name") or "").removeprefix("/") == ref]
            if len(by_name) == 1:
                return by_name[0]
            by_prefix = [c for cid, c in self._containers.items() if cid.startswith(ref)] if ref else []
            return by_prefix[0] if len(by_prefix) == 1 else None

    def ids(self) -> set[str]:
        """The IDs of every known container."""
        with self._lock:
            return set(self._containers)

    def snapshot(self) -> tuple[list[Inspect], dict[str, ImageSummary]]:
        """Every container and the images, as of now."""
        with self._lock:
            return list(self._containers.values()), dict(self._images)
