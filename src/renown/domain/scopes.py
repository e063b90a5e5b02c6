"""The scope registry: every permission a bearer token can carry, and who holds one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from renown.domain.errors import UnknownScope


class Scope(StrEnum):
    """One permission; tokens carry a set of them."""

    MEMBER = "member"
    """Act on one's own data: score, consents, imports, privacy requests."""
    PUBLIC = "public"
    """Read public profiles and topic leaderboards."""
    BRAND = "brand"
    """Publish perks and see the claims made on one's own perks."""
    ADMIN = "admin"
    """Privacy officer: the request queue and the audit log."""


_SEPARATORS = re.compile(r"[\s,]+")


def parse_scopes(value: str | Iterable[str]) -> frozenset[Scope]:
    """Parse a space- or comma-separated scope string (or a list of names) into registry scopes."""
    names = _SEPARATORS.split(value) if isinstance(value, str) else list(value)
    scopes: set[Scope] = set()
    for name in names:
        if not name:
            continue
        try:
            scopes.add(Scope(name))
        except ValueError:
            # The name comes from a caller or a token: keep it out of the message.
            raise UnknownScope("unknown scope") from None
    return frozenset(scopes)


def format_scopes(scopes: Iterable[Scope]) -> str:
    """Render scopes as the space-separated `scope` claim (RFC 8693 §4.2), in registry order."""
    wanted = set(scopes)
    return " ".join(scope.value for scope in Scope if scope in wanted)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for, and what it may do."""

    # Subject and token id identify a person's session: never in a repr or a log line.
    subject: str = field(repr=False)
    scopes: frozenset[Scope]
    auth_time: datetime
    issuer: str
    token_id: str = field(repr=False)

    def has(self, scope: Scope) -> bool:
        """Tell whether this principal holds `scope`."""
        return scope in self.scopes
