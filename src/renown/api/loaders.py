"""Per-request DataLoaders, created on first use and kept in the request's context."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from renown.api.context import Info, RenownContext

Loader = TypeVar("Loader")
Value = TypeVar("Value")
Shown = TypeVar("Shown")


def loader(info: Info, key: str, build: Callable[[RenownContext], Loader]) -> Loader:
    """The request's loader under `key`, built by `build` the first time a resolver asks for it."""
    loaders: dict[str, Any] = info.context.loaders
    found = loaders.get(key)
    if found is None:
        found = loaders[key] = build(info.context)
    return found


def when_loaded(found: Awaitable[Value], show: Callable[[Value], Shown]) -> Shown | Awaitable[Shown]:
    """`show(value)` at once when the loader already holds the value (primed, or loaded before), else an
    awaitable of it.

    A resolver returning this is synchronous for strawberry, and graphql-core awaits what needs
    awaiting. Fields answered from a primed loader (`me`'s `score` and `topics`) then complete in the
    same step: graphql-core runs the awaitable fields of a selection as tasks, each one more trip
    through the event loop.
    """
    if isinstance(found, asyncio.Future) and found.done():  # a DataLoader's `load` answers a future
        return show(found.result())  # raises the loader's error, as awaiting would
    return _shown_later(found, show)


async def _shown_later(found: Awaitable[Value], show: Callable[[Value], Shown]) -> Shown:
    return show(await found)
