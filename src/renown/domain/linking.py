"""Live links to a member's network accounts: the app Renown registers, the grant a member gives it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from renown.domain.activity import Network
from renown.domain.errors import RenownError


class LinkError(RenownError):
    """A network refused a linking step, or answered in a way Renown cannot use."""

    code = "LINK_FAILED"


class LinkStateInvalid(LinkError):
    """The `state` coming back from the network was not issued to this member, or has expired."""

    code = "LINK_STATE_INVALID"


class InstanceRefused(LinkError):
    """The instance named is not a public host name Renown will connect to."""

    code = "LINK_INSTANCE_REFUSED"


class LinkingUnsupported(LinkError):
    code = "LINK_UNSUPPORTED_NETWORK"


class NotLinked(LinkError):
    """The member has no live link to that network."""

    code = "LINK_NOT_LINKED"


class LinkExpired(LinkError):
    """The network no longer accepts Renown's grant (revoked or expired): the member must link again."""

    code = "LINK_EXPIRED"


class RateLimited(LinkError):
    """The network asked Renown to wait longer than it is willing to."""

    code = "LINK_RATE_LIMITED"


class RevocationFailed(LinkError):
    """The network did not confirm the revocation of a grant, after every attempt."""

    code = "LINK_REVOCATION_FAILED"

    def __init__(self, attempts: int) -> None:
        super().__init__(f"the network did not confirm the revocation after {attempts} attempts")
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """Renown's client registration at one instance of a network."""

    network: Network
    instance: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: str


@dataclass(frozen=True, slots=True)
class OAuthGrant:
    """The tokens a member's authorization gave Renown at one instance; never shown in a repr."""

    instance: str
    access_token: str = field(repr=False)
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 scheme name, not a secret
    scope: str = ""
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None

    def expires_within(self, now: datetime, leeway: timedelta) -> bool:
        """Whether the access token is expired, or will be within `leeway`; tokens without expiry never are."""
        return self.expires_at is not None and now + leeway >= self.expires_at

    @classmethod
    def from_token_response(cls, instance: str, token: dict[str, Any], *, now: datetime,
                            previous: OAuthGrant | None = None) -> OAuthGrant:
        """Read an RFC 6749 token response; a refresh response may omit the refresh token it keeps."""
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise LinkError("the network's token response has no access token")
        refresh = token.get("refresh_token")
        expires_in = token.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
            expires_at = now + timedelta(seconds=expires_in)
        return cls(
            instance=instance,
            access_token=access,
            token_type=str(token.get("token_type") or "Bearer"),
            scope=str(token.get("scope") or ""),
            refresh_token=refresh if isinstance(refresh, str) and refresh else
            (previous.refresh_token if previous is not None else None),
            expires_at=expires_at,
        )

    def to_json(self) -> bytes:
        return json.dumps({
            "instance": self.instance, "access_token": self.access_token, "token_type": self.token_type,
            "scope": self.scope, "refresh_token": self.refresh_token,
            "expires_at": None if self.expires_at is None else self.expires_at.astimezone(UTC).isoformat(),
        }, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> OAuthGrant:
        raw = json.loads(data)
        expires = raw.get("expires_at")
        return cls(
            instance=raw["instance"], access_token=raw["access_token"], token_type=raw["token_type"],
            scope=raw["scope"], refresh_token=raw.get("refresh_token"),
            expires_at=None if expires is None else datetime.fromisoformat(expires),
        )


@dataclass(frozen=True, slots=True)
class UnlinkResult:
    """What unlinking did: Renown's copy of the grant is always gone; `revoked` says if the network confirmed."""

    network: Network
    revoked: bool
    attempts: int
