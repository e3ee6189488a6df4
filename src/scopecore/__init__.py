"""scopecore: report types with a merge algebra, Scope-compatible codecs, and the render pipeline. No I/O."""

from .errors import DecodeError, ScopeCoreError

__version__ = "0.1.0"

__all__ = ["DecodeError", "ScopeCoreError", "__version__"]
