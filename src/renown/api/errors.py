"""Typed error results shared by every domain's mutations."""

from __future__ import annotations

import strawberry

from renown.domain.errors import RenownError


@strawberry.interface(description="An expected failure: a stable code and a message free of personal data.")
class UserError:
    code: str
    message: str


@strawberry.type(description="The request was refused; nothing was stored.")
class RequestRefused(UserError):
    @classmethod
    def from_error(cls, error: RenownError) -> RequestRefused:
        return cls(code=error.code, message=error.message)


@strawberry.type(description="The caller must register (mutation `register`) before this.")
class NotRegistered(UserError):
    @classmethod
    def make(cls) -> NotRegistered:
        return cls(code="NOT_REGISTERED", message="register first with the `register` mutation")
