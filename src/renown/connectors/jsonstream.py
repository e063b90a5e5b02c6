"""Stream JSON from archive members with bounded memory, failing with typed errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

import ijson  # type: ignore[import-untyped]  # ships no type information
import orjson

from renown.domain.errors import ArchiveMalformed

_JSON_ERRORS = (ijson.JSONError, UnicodeDecodeError, ValueError, RecursionError)


def json_items(stream: IO[bytes], prefix: str) -> Iterator[Any]:
    """Yield the items under `prefix` (ijson syntax, e.g. `orderedItems.item`) one at a time."""
    try:
        yield from ijson.items(stream, prefix, use_float=True)
    except _JSON_ERRORS as exc:
        raise ArchiveMalformed("an archive file is not valid JSON") from exc


def count_items(stream: IO[bytes], prefix: str) -> int:
    """Count the items under `prefix` without keeping any of them."""
    return sum(1 for _ in json_items(stream, prefix))


def scalars_before(stream: IO[bytes], array_key: str) -> dict[str, Any] | None:
    """Top-level scalar fields of an object up to `array_key`; None when that array is absent."""
    fields: dict[str, Any] = {}
    key = None
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if prefix == "" and event == "map_key":
                key = value
            elif prefix == array_key and event == "start_array":
                return fields
            elif prefix == key and event in ("string", "number", "boolean", "null") and key:
                fields[key] = value
            elif prefix == "" and event in ("end_map", "start_array", "string", "number", "boolean", "null"):
                return None
    except _JSON_ERRORS as exc:
        raise ArchiveMalformed("an archive file is not valid JSON") from exc
    return None


def load_small(data: bytes) -> Any:
    """Parse a JSON document already bounded in size."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ArchiveMalformed("an archive file is not valid JSON") from exc


def as_dict(value: Any) -> dict[str, Any]:
    """Return `value` if it is a JSON object, else refuse the archive as malformed."""
    if not isinstance(value, dict):
        raise ArchiveMalformed("an archive record is not a JSON object")
    return value


def as_list(value: Any) -> list[Any]:
    """Return `value` if it is a JSON array (None counts as empty), else refuse it."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ArchiveMalformed("an archive field is not a JSON array")
    return value


def opt_str(value: Any) -> str | None:
    """Return `value` if it is a string, None if absent, else refuse it."""
    if value is None or isinstance(value, str):
        return value
    raise ArchiveMalformed("an archive field is not a string")


def opt_count(value: Any) -> int | None:
    """A non-negative count given as a number or a numeric string (X stores counts as strings)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ArchiveMalformed("an archive count is not a non-negative number")


def is_one_of(value: Any, options: frozenset[str]) -> bool:
    """Whether `value` is a string among `options` (safe for unhashable JSON values)."""
    return isinstance(value, str) and value in options


class _Prepend(io.RawIOBase):
    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def prepend(head: bytes, rest: IO[bytes]) -> IO[bytes]:
    """A stream of `head` then the rest of `rest`: for peeking at a stream, or cutting a wrapper off."""
    return io.BufferedReader(_Prepend(head, rest))


def top_level_items(stream: IO[bytes], key: str) -> Iterator[Any]:
    """Items of a top-level array, or of the array under `key` when the top level is an object."""
    head = stream.read(256)
    if head.lstrip()[:1] != b"{":
        return json_items(prepend(head, stream), "item")
    return _items_under(prepend(head, stream), key)


def _items_under(stream: IO[bytes], key: str) -> Iterator[Any]:
    found = False

    def events() -> Iterator[tuple[str, str, Any]]:
        nonlocal found
        for event in ijson.parse(stream, use_float=True):
            found = found or (event[0] == key and event[1] == "start_array")
            yield event

    try:
        yield from ijson.items(events(), f"{key}.item")
    except _JSON_ERRORS as exc:
        raise ArchiveMalformed("an archive file is not valid JSON") from exc
    if not found:
        raise ArchiveMalformed(f"an archive file lacks its {key} list")
