"""Read `policies/*.yaml` into typed policies, or say which file, where in it and why not.

Every top-level key (section) lives in exactly one file of the folder; the files are merged,
validated with pydantic into the plain dataclasses of `renown.domain.policies`, then checked
against each other by `renown.domain.policy_rules`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import ConfigDict, TypeAdapter, ValidationError

from renown.domain import policies as model
from renown.domain.policies import Policies
from renown.domain.policy_rules import PolicyProblem, data_map_problems, policy_problems

# Where a missing section should be written: the message names the file to fix.
SECTION_FILES = {
    "controller": "controller.yaml", "dpo": "controller.yaml", "supervisory_authority": "controller.yaml",
    "organisation": "controller.yaml", "languages": "notices.yaml", "notices": "notices.yaml",
    "data_subjects": "categories.yaml", "data_categories": "categories.yaml", "purposes": "purposes.yaml",
    "recipients": "recipients.yaml", "retention": "retention.yaml", "processing": "processing.yaml",
    "gpc": "processing.yaml", "data_map": "data-map.yaml",
}

# pydantic reads per-class settings from this attribute of a standard dataclass; setting it here keeps
# the domain free of pydantic while a misspelt key in a file is still refused instead of ignored.
for _cls in vars(model).values():
    if isinstance(_cls, type) and dataclasses.is_dataclass(_cls) and _cls.__module__ == model.__name__:
        _cls.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
_ADAPTER = TypeAdapter(Policies)


@dataclass(frozen=True, slots=True)
class LocatedProblem:
    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path or '(whole file)'}: {self.reason}"


class PolicyError(Exception):
    """The policies cannot run the service; each problem names its file, its path inside and the reason."""

    def __init__(self, problems: Sequence[LocatedProblem]) -> None:
        if not problems:
            raise ValueError("a PolicyError needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        self.file, self.path, self.reason = first.file, first.path, first.reason
        super().__init__("invalid policies: " + "; ".join(str(p) for p in self.problems))


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass
class _Sources:
    folder: Path
    owner: dict[str, Path]
    nodes: dict[Path, yaml.Node]

    def file_of(self, section: object) -> Path:
        if isinstance(section, str) and section in self.owner:
            return self.owner[section]
        return self.folder / SECTION_FILES.get(str(section), "(unknown section)")

    def locate(self, path: tuple[str | int, ...], reason: str) -> LocatedProblem:
        file = self.file_of(path[0]) if path else self.folder
        node = self.nodes.get(file)
        return LocatedProblem(str(file), format_path(path), reason, None if node is None else _line(node, path))


def format_path(path: Iterable[str | int]) -> str:
    """Render a path inside a file as `purposes.scoring.lawful_basis` or `notices[0].text`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(node: yaml.Node, path: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest node along `path` that the file really has."""
    line = node.start_mark.line + 1
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            line = key.start_mark.line + 1 if key is not None else line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _read(folder: Path) -> tuple[dict[str, Any], _Sources]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PolicyError([LocatedProblem(str(folder), "", "no policy files (*.yaml) in this folder")])
    merged: dict[str, Any] = {}
    sources = _Sources(folder, {}, {})
    problems: list[LocatedProblem] = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            reason = getattr(error, "problem", None) or str(error)
            problems.append(LocatedProblem(str(file), "", f"not valid YAML: {reason}",
                                           None if mark is None else mark.line + 1))
            continue
        if not isinstance(data, dict):
            problems.append(LocatedProblem(str(file), "", "a policy file is a mapping of sections"))
            continue
        if node is not None:
            sources.nodes[file] = node
        for section, value in data.items():
            if section in sources.owner:
                problems.append(LocatedProblem(str(file), str(section),
                                               f"section already declared in {sources.owner[section].name}"))
                continue
            sources.owner[section] = file
            merged[section] = value
    if problems:
        raise PolicyError(problems)
    return merged, sources


def _reason(error: Any) -> str:
    if error["type"] == "unexpected_keyword_argument":
        return "unknown key (misspelt, or not part of the policy schema)"
    if error["type"] == "missing" or error["type"] == "missing_argument":
        return "required but missing"
    return str(error["msg"])


def load_policies(folder: Path) -> Policies:
    """Load and check every policy file of `folder`; raise PolicyError naming each problem."""
    merged, sources = _read(folder)
    try:
        policies = _ADAPTER.validate_python(merged)
    except ValidationError as error:
        raise PolicyError([sources.locate(tuple(e["loc"]), _reason(e)) for e in error.errors()]) from None
    problems = policy_problems(policies)
    if problems:
        raise PolicyError([sources.locate(p.path, p.reason) for p in problems])
    return policies


def table_columns(metadata: sa.MetaData) -> dict[str, list[str]]:
    """The real tables and their columns, as the data map must declare them."""
    return {name: [c.name for c in table.columns] for name, table in metadata.tables.items()}


def check_data_map(policies: Policies, metadata: sa.MetaData, folder: Path) -> list[LocatedProblem]:
    """Problems between the data map and the tables in `metadata`, located in the data-map file."""
    problems: list[PolicyProblem] = data_map_problems(policies, table_columns(metadata))
    if not problems:
        return []
    _, sources = _read(folder)
    return [sources.locate(p.path, p.reason) for p in problems]
