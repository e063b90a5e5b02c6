"""Field-level access, declared on fields with scopes from the one registry."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from renown.api.context import Info
from renown.domain.scopes import Scope


class _HasScope(BasePermission):
    scope: ClassVar[Scope]
    message = "this field needs the right scope"
    error_extensions: ClassVar[dict[str, Any]] = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None:
            self.message = "authentication required"
            self.error_extensions = {"code": "UNAUTHENTICATED"}
            return False
        return self.scope in principal.scopes


class IsMember(_HasScope):
    scope = Scope.MEMBER


class IsBrand(_HasScope):
    scope = Scope.BRAND


class IsAdmin(_HasScope):
    scope = Scope.ADMIN
