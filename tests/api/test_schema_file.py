"""`schema.graphql` is what clients build against: it must be current, and never break them unannounced."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from renown.api.export_schema import (
    DECLARED,
    REGENERATE,
    breaking_changes,
    declared_changes,
    schema_sdl,
    undeclared_breaking_changes,
)

ROOT = Path(__file__).parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"

OLD = '''
type Query {
  me: Member
  perks(first: Int = 10): [String!]!
}

type Member {
  id: ID!
  displayName: String
}
'''


def committed_schema() -> str:
    """`schema.graphql` as of git HEAD; skips (saying why) outside a checkout or before its first commit."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed, so there is no committed schema to compare with")
    inside = subprocess.run([git, "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"],
                            capture_output=True, text=True, check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        pytest.skip(f"{ROOT} is not a git checkout, so there is no committed schema to compare with")
    shown = subprocess.run([git, "-C", str(ROOT), "show", "HEAD:schema.graphql"],
                           capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        pytest.skip("schema.graphql is not in git HEAD yet; the check starts with its first commit")
    return shown.stdout


def test_schema_file_is_current() -> None:
    # given the committed file and the schema the code assembles
    printed = schema_sdl()
    # then they are the same, or the failure says how to regenerate it
    assert SCHEMA_FILE.exists(), f"schema.graphql is missing: run `{REGENERATE}`"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed, (
        f"schema.graphql is out of date: run `{REGENERATE}` and commit it")


def test_no_undeclared_breaking_change_since_the_committed_schema() -> None:
    # given the schema at git HEAD and the schema the code assembles now
    old = committed_schema()
    # when they are compared
    undeclared = undeclared_breaking_changes(old, schema_sdl(), declared_changes())
    # then every breaking change was declared on purpose
    assert undeclared == [], (
        "these changes can break clients; keep the old fields (deprecate them) or, if the break is intended, "
        f"add each line to {DECLARED.relative_to(ROOT)}:\n" + "\n".join(undeclared))


def test_a_removed_field_or_a_changed_type_is_breaking_until_declared() -> None:
    # given a schema that drops a field and makes an argument required
    new = OLD.replace("  displayName: String\n", "").replace("perks(first: Int = 10)", "perks(first: Int!)")
    # when the change is checked with and without a declaration
    changes = breaking_changes(OLD, new)
    # then both breaks are named, and only the undeclared one is reported
    assert changes == ["Argument Query.perks(first:) has changed type from Int to Int!.",
                       "Field Member.displayName was removed."]
    assert undeclared_breaking_changes(OLD, new, frozenset({"Field Member.displayName was removed."})) == [
        "Argument Query.perks(first:) has changed type from Int to Int!."]


def test_an_added_optional_field_is_not_breaking() -> None:
    new = OLD.replace("  displayName: String\n", "  displayName: String\n  createdAt: String\n")
    assert breaking_changes(OLD, new) == []


def test_declared_changes_ignore_comments_and_blank_lines(tmp_path: Path) -> None:
    declared = tmp_path / "breaking_changes.txt"
    declared.write_text("# why: the old field leaked a score\n\nField Query.score was removed.\n", encoding="utf-8")
    assert declared_changes(declared) == frozenset({"Field Query.score was removed."})
