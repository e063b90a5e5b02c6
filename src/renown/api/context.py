"""What every resolver receives: the caller, the services and per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from renown.domain.scopes import Principal
from renown.services.facade import Services


@dataclass
class RenownContext:
    services: Services
    principal: Principal | None
    client_id: str
    request: Any = None
    response: Any = None
    loaders: dict[str, Any] = field(default_factory=dict)


Info = StrawberryInfo[RenownContext, None]
