"""Errors raised by scopecore."""


class ScopeCoreError(Exception):
    """Base of every error scopecore raises on purpose."""


class DecodeError(ScopeCoreError, ValueError):
    """Input that is not a valid report: says what was wrong and where (a path into the document)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def within(self, prefix: str) -> "DecodeError":
        """The same error seen from an enclosing value: its path prefixed."""
        if not self.path:
            return DecodeError(self.message, prefix)
        sep = "" if self.path.startswith("[") else "."
        return DecodeError(self.message, f"{prefix}{sep}{self.path}")
