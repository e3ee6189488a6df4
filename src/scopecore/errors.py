"""Errors raised by scopecore."""


class ScopeCoreError(Exception):
    """Base of every error scopecore raises on purpose."""


class DecodeError(ScopeCoreError, ValueError):
    """Input that is not a valid report: says what was wrong and where (a dotted path into the document)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
