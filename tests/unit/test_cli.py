"""The `renown` command line, run as an operator would (in process, on a SQLite file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from renown.__main__ import cli
from renown.app import build_runtime
from renown.domain.member import AgeBracket
from renown.domain.scopes import Scope
from renown.settings import Settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RENOWN_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RENOWN_ENVIRONMENT", "development")
    monkeypatch.delenv("RENOWN_DATABASE_URL", raising=False)
    monkeypatch.setenv("RENOWN_POLICIES_DIR", str(Path(__file__).parents[2] / "policies"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "var"


def commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(group: object, prefix: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            found.append([*prefix, name])
            walk(command, [*prefix, name])

    walk(cli, [])
    return found


@pytest.mark.parametrize("command", commands(), ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: cli {' '.join(command)}")


def test_migrate_then_mint_a_token_that_the_service_accepts(env: Path) -> None:
    runner = CliRunner()
    migrated = runner.invoke(cli, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert migrated.output.startswith("database at revision ")
    minted = runner.invoke(cli, ["token", "--member", "alice@example.org", "--scopes", "member,public"])
    assert minted.exit_code == 0
    token = minted.output.strip()

    async def verify() -> tuple[str, frozenset[Scope]]:
        runtime = build_runtime(Settings(_env_file=None))  # type: ignore[call-arg]
        try:
            principal = await runtime.tokens.verify(token)
        finally:
            await runtime.close()
        return principal.subject, principal.scopes

    assert asyncio.run(verify()) == ("alice@example.org", frozenset({Scope.MEMBER, Scope.PUBLIC}))
    assert (env / "keyring.json").stat().st_mode & 0o777 == 0o600
    assert (env / "jwt-signing.pem").stat().st_mode & 0o777 == 0o600


def test_an_unknown_scope_is_refused_with_a_clear_message(env: Path) -> None:
    result = CliRunner().invoke(cli, ["token", "--member", "alice@example.org", "--scopes", "superuser"])
    assert result.exit_code == 1
    assert result.output == "error: unknown scope\n"


def test_production_refuses_to_mint_development_tokens(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENOWN_ENVIRONMENT", "production")
    result = CliRunner().invoke(cli, ["token", "--member", "alice@example.org"])
    assert result.exit_code == 1
    assert result.output.startswith("error: refusing to start in production: ")


def test_keys_rotate_then_retire_the_old_version(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0

    async def two_members() -> None:
        runtime = build_runtime(Settings(_env_file=None))  # type: ignore[call-arg]
        try:
            for name in ("alice", "bob"):
                await runtime.services.register(subject=f"{name}@example.org", display_name=None,
                                                age_bracket=AgeBracket.ADULT)
        finally:
            await runtime.close()

    asyncio.run(two_members())
    refused = runner.invoke(cli, ["keys", "retire", "1"])
    assert (refused.exit_code, refused.output) == (
        1, "error: data keys still need version 1: run `renown keys rotate` first\n")
    rotated = runner.invoke(cli, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert rotated.output.endswith("re-wrapped 2 data keys\n")
    retired = runner.invoke(cli, ["keys", "retire", "1"])
    assert (retired.exit_code, retired.output) == (0, "key-encryption key version 1 retired\n")


def test_import_an_archive_with_the_members_consent(env: Path, tmp_path: Path) -> None:
    from tests.archives import build_mastodon_archive

    runner = CliRunner()
    archive = build_mastodon_archive(tmp_path, posts=5)
    args = ["import", "--member", "alice@example.org", "--network", "mastodon", str(archive)]
    refused = runner.invoke(cli, [*args[:5], "--age-bracket", "18_plus", args[5]])
    assert (refused.exit_code, refused.output.splitlines()[-1]) == (
        1, "error: importing mastodon needs an active scoring or topics consent for that network")
    done = runner.invoke(cli, [*args[:5], "--grant", "scoring,topics", args[5]])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "imported 5, skipped 0; coverage: following, own_posts"
    bad = runner.invoke(cli, [*args[:5], "--grant", "everything", args[5]])
    assert bad.exit_code == 2
    assert "choose among scoring, topics" in bad.output
