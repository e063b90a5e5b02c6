"""Schema-extension hooks resolved once per extension class instead of once per request.

For every request and every lifecycle stage (operation, parsing, validation, execution) strawberry
asks each extension instance whether it has a hook, inspects the hook's kind (generator, async
generator, plain or coroutine function) and wraps it in a fresh `contextmanager` (which copies the
function's metadata with `functools.update_wrapper`). With eight extensions that is 32 inspections
and wrappers per request, each answering what the extension's class already decided. Here the
answer is kept per class and stage; a request only binds the cached wrapper to its instance. The
hooks run in the same order, with the same exit stack, as strawberry runs them.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

HookFactory = tuple[Callable[[SchemaExtension], Any], bool]  # the context manager factory, and whether it is async

_FACTORIES: dict[tuple[type[SchemaExtension], str], HookFactory | None] = {}


def hook_factory(extension_class: type[SchemaExtension], stage: str) -> HookFactory | None:
    """How to enter `stage`'s hook of any instance of `extension_class` (None: it has none)."""
    key = (extension_class, stage)
    if key not in _FACTORIES:
        _FACTORIES[key] = _factory(getattr(extension_class, stage), getattr(SchemaExtension, stage))
    return _FACTORIES[key]


def _factory(hook: Any, default: Any) -> HookFactory | None:
    if hook is default:
        return None
    if inspect.isgeneratorfunction(hook):
        return contextlib.contextmanager(hook), False
    if inspect.isasyncgenfunction(hook):
        return contextlib.asynccontextmanager(hook), True
    if not callable(hook):
        raise ValueError(f"Hook {hook!r} must be callable")
    if inspect.iscoroutinefunction(hook):

        @contextlib.asynccontextmanager
        async def awaited(extension: SchemaExtension) -> AsyncIterator[None]:
            await hook(extension)
            yield

        return awaited, True

    @contextlib.contextmanager
    def called(extension: SchemaExtension) -> Iterator[None]:
        hook(extension)
        yield

    return called, False


class _CachedHooks(ExtensionContextManagerBase):
    __slots__ = ()

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        found = hook_factory(type(extension), self.HOOK_NAME)
        if found is None:
            return None
        factory, is_async = found
        return WrappedHook(extension=extension, hook=functools.partial(factory, extension), is_async=is_async)


class _Operation(_CachedHooks, OperationContextManager):
    __slots__ = ()


class _Validation(_CachedHooks, ValidationContextManager):
    __slots__ = ()


class _Parsing(_CachedHooks, ParsingContextManager):
    __slots__ = ()


class _Executing(_CachedHooks, ExecutingContextManager):
    __slots__ = ()


class CachedHooksRunner(SchemaExtensionsRunner):
    """strawberry's runner, with each stage's hooks found through `hook_factory`."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
