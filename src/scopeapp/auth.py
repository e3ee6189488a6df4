"""Tokens and roles. On loopback with no tokens configured the app is open (a single-user `scope launch`);
bound beyond loopback it refuses to start without tokens (Scope #3913: anyone could delete workloads).

Roles, each including the ones before it: viewer (read), operator (controls, pipes), admin (everything).
Probes have their own role, which may only publish reports and hold a probe stream.

Tokens file: one token per line, `<role> <name> <token>`; `#` starts a comment. Environment:
SCOPE_VIEWER_TOKEN, SCOPE_OPERATOR_TOKEN, SCOPE_ADMIN_TOKEN, SCOPE_PROBE_TOKEN.
"""

import base64
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class Role(IntEnum):
    """Ordered roles: a higher one may do what a lower one may."""

    PROBE = 0
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request."""

    name: str
    role: Role

    def may(self, needed: Role) -> bool:
        """True if this principal may do what needs `needed` (probes only what probes do)."""
        if needed is Role.PROBE:
            return self.role in (Role.PROBE, Role.ADMIN)
        return self.role is not Role.PROBE and self.role >= needed


ANONYMOUS_ADMIN = Principal("local", Role.ADMIN)
_ENV = {"SCOPE_VIEWER_TOKEN": Role.VIEWER, "SCOPE_OPERATOR_TOKEN": Role.OPERATOR,
        "SCOPE_ADMIN_TOKEN": Role.ADMIN, "SCOPE_PROBE_TOKEN": Role.PROBE}


class TokenError(ValueError):
    """A tokens file that cannot be read."""


class Tokens:
    """The configured tokens; `open` when there are none."""

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._tokens = dict(tokens)

    @property
    def open(self) -> bool:
        """True if no tokens are configured (loopback-only use)."""
        return not self._tokens

    @staticmethod
    def load(path: Path | None, env: Mapping[str, str]) -> "Tokens":
        """From a tokens file and the environment."""
        tokens: dict[str, Principal] = {}
        if path is not None:
            try:
                text = path.read_text()
            except OSError as e:
                raise TokenError(f"cannot read tokens file {path}: {e.strerror}") from None
            for n, line in enumerate(text.splitlines(), 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                parts = line.split()
                if len(parts) != 3 or parts[0].upper() not in Role.__members__:
                    raise TokenError(f"{path}:{n}: expected '<viewer|operator|admin|probe> <name> <token>'")
                tokens[parts[2]] = Principal(parts[1], Role[parts[0].upper()])
        for var, role in _ENV.items():
            if env.get(var):
                tokens[env[var]] = Principal(var.removeprefix("SCOPE_").removesuffix("_TOKEN").lower(), role)
        return Tokens(tokens)

    def lookup(self, token: str) -> Principal | None:
        """The principal holding this token (compared in constant time), or None."""
        found = None
        for known, principal in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = principal
        return found

    def from_headers(self, authorization: str | None, cookie_token: str | None = None,
                     query_token: str | None = None) -> Principal | None:
        """The principal of a request: `Bearer <t>`, Scope's `Scope-Probe token=<t>`, Basic (password = token),
        or for browser websockets, which cannot set headers, a `scope_token` cookie or `token` query parameter."""
        if self.open:
            return ANONYMOUS_ADMIN
        token = _token_of(authorization or "") or cookie_token or query_token
        return self.lookup(token) if token else None


def _token_of(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "scope-probe":
        key, _, token = value.strip().partition("=")
        return token if key == "token" and token else None
    if scheme == "basic":
        try:
            user_pass = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return user_pass.partition(":")[2] or None
    return None
