"""Settings: development generates what it lacks, production refuses placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from renown.settings import Settings, SettingsError


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_put_the_sqlite_file_and_keys_under_var(tmp_path: Path) -> None:
    settings = make(var_dir=tmp_path / "var")
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'renown.sqlite'}"
    assert settings.effective_keyring_file == tmp_path / "var" / "keyring.json"
    assert settings.effective_jwt_key_file == tmp_path / "var" / "jwt-signing.pem"
    settings.check_production()  # development never refuses


def test_environment_variables_use_the_renown_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENOWN_ENVIRONMENT", "production")
    monkeypatch.setenv("RENOWN_PORT", "9001")
    settings = make()
    assert settings.is_production
    assert settings.port == 9001


def test_production_refuses_missing_and_placeholder_secrets() -> None:
    settings = make(environment="production", master_key="change-me")
    with pytest.raises(SettingsError) as refusal:
        settings.check_production()
    assert str(refusal.value) == (
        "refusing to start in production: RENOWN_DATABASE_URL must name the production database; "
        "RENOWN_MASTER_KEY is a placeholder; "
        "set RENOWN_JWT_PRIVATE_KEY_FILE (no signing key is generated in production); "
        "RENOWN_JWT_ISSUER is the development placeholder"
    )


def test_production_with_real_settings_starts(tmp_path: Path) -> None:
    make(environment="production", database_url="postgresql+asyncpg://renown@db.example.org/renown",
         keyring_file=tmp_path / "keyring.json", jwt_private_key_file=tmp_path / "jwt.pem",
         jwt_issuer="https://renown.example.com").check_production()


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="environment"):
        make(environment="staging")


def test_the_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`RENOWN_{name.upper()}`" not in readme]
    assert missing == []
