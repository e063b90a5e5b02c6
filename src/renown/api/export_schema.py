"""Print the schema clients use (SDL): `python -m renown.api.export_schema > schema.graphql`."""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import build_schema as build_sdl_schema
from graphql import find_breaking_changes

from renown.api.schema import build_schema

REGENERATE = ".venv/bin/python -m renown.api.export_schema > schema.graphql"
DECLARED = Path(__file__).with_name("breaking_changes.txt")


def schema_sdl() -> str:
    """The assembled schema in SDL, as committed in `schema.graphql` (ends with one newline)."""
    return build_schema(production=True).as_str().rstrip("\n") + "\n"


def breaking_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """Descriptions of the changes from `old_sdl` to `new_sdl` that can break a client."""
    changes = find_breaking_changes(build_sdl_schema(old_sdl), build_sdl_schema(new_sdl))
    return [change.description for change in changes]


def declared_changes(path: Path = DECLARED) -> frozenset[str]:
    """The breaking changes accepted on purpose: one description a line, `#` starts a comment."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def undeclared_breaking_changes(old_sdl: str, new_sdl: str, declared: frozenset[str]) -> list[str]:
    """The breaking changes from `old_sdl` to `new_sdl` that nobody declared."""
    return [change for change in breaking_changes(old_sdl, new_sdl) if change not in declared]


def main() -> None:
    """Write the SDL to standard output."""
    sys.stdout.write(schema_sdl())


if __name__ == "__main__":
    main()
