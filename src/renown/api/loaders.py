"""Per-request DataLoaders, created on first use and kept in the request's context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from renown.api.context import Info, RenownContext

Loader = TypeVar("Loader")


def loader(info: Info, key: str, build: Callable[[RenownContext], Loader]) -> Loader:
    """The request's loader under `key`, built by `build` the first time a resolver asks for it."""
    loaders: dict[str, Any] = info.context.loaders
    found = loaders.get(key)
    if found is None:
        found = loaders[key] = build(info.context)
    return found
