"""Errors raised by scopecore.render."""

from ..errors import ScopeCoreError


class RenderError(ScopeCoreError):
    """Base of the errors the render package raises on purpose."""


class UnknownTopology(RenderError, KeyError):
    """A topology ID the registry does not know (the app answers 404, as Scope does)."""

    def __init__(self, topology_id: str) -> None:
        self.topology_id = topology_id
        super().__init__(f"unknown topology {topology_id!r}")

    def __str__(self) -> str:
        # KeyError quotes its argument; say it plainly.
        return f"unknown topology {self.topology_id!r}"


class QueryError(RenderError, ValueError):
    """A search query that does not parse: says what was expected and at which character (0-based)."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.message = message
        self.query = query
        self.position = position
        super().__init__(f"{message} at character {position + 1}: {query!r}")
