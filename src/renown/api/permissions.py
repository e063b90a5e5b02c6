"""Field-level access, declared on fields with scopes from the one registry."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from renown.api.context import Info
from renown.domain.scopes import Scope


class Authenticated(BasePermission):
    message = "authentication required"
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it per class

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class _HasScope(BasePermission):
    scope: ClassVar[Scope]
    message = "this field needs another scope"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and self.scope in principal.scopes


class MemberScope(_HasScope):
    scope = Scope.MEMBER


class BrandScope(_HasScope):
    scope = Scope.BRAND


class AdminScope(_HasScope):
    scope = Scope.ADMIN


IsMember = [Authenticated, MemberScope]
IsBrand = [Authenticated, BrandScope]
IsAdmin = [Authenticated, AdminScope]
