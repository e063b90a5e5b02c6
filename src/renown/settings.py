"""One typed settings object, read once at start-up and passed in."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = frozenset({"", "change-me", "changeme", "secret", "placeholder", "dev"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """Settings that cannot run the service; the message says what to fix."""


class Settings(BaseSettings):
    """Renown's configuration, from `RENOWN_*` environment variables or a `.env` file."""

    model_config = SettingsConfigDict(env_prefix="RENOWN_", env_file=".env", extra="ignore")

    environment: Environment = Field(
        Environment.DEVELOPMENT, description="`development` generates missing keys; `production` refuses."
    )
    var_dir: Path = Field(Path("var"), description="Folder for the SQLite file, generated keys and exports.")
    database_url: str = Field(
        "", description="SQLAlchemy async URL; empty means a SQLite file under `var_dir`."
    )
    database_pool_size: int = Field(
        32, ge=1, description="Database connections each process keeps open for requests and jobs (each holds one "
                              "while it reads or writes); for SQLite each is also a driver thread."
    )
    database_max_overflow: int = Field(
        32, ge=0, description="Connections opened beyond the pool at peaks, and closed again when returned; "
                              "past both, a request waits for a free one."
    )
    keyring_file: Path | None = Field(
        None, description="JSON keyring of key-encryption keys; default `var_dir/keyring.json`."
    )
    master_key: SecretStr | None = Field(
        None, description="Base64 256-bit KEK (version 1) when no keyring file is used."
    )
    jwt_issuer: str = Field("https://renown.example.org", description="`iss` of the tokens Renown mints.")
    jwt_audience: str = Field("renown-api", description="`aud` every accepted token must carry.")
    jwt_private_key_file: Path | None = Field(
        None, description="PEM Ed25519 signing key; default `var_dir/jwt-signing.pem`."
    )
    jwt_ttl_seconds: int = Field(3600, description="Lifetime of minted tokens.")
    oidc_issuer: str | None = Field(None, description="External OIDC issuer whose tokens are also trusted.")
    oidc_jwks_url: str | None = Field(None, description="JWKS URL of that external issuer.")
    policies_dir: Path = Field(Path("policies"), description="Folder of the policy YAML files.")
    host: str = Field("127.0.0.1", description="Address `renown serve` binds.")
    port: int = Field(8000, description="Port `renown serve` binds.")
    max_archive_bytes: int = Field(512 * 1024 * 1024, description="Largest archive accepted.")
    max_uncompressed_bytes: int = Field(2 * 1024 * 1024 * 1024, description="Largest total unpacked size.")
    max_compression_ratio: float = Field(200.0, description="Largest unpacked/packed ratio (zip bombs).")
    max_archive_members: int = Field(100_000, description="Most files an archive may hold.")
    import_job_threshold_bytes: int = Field(
        20 * 1024 * 1024, description="Uploaded archives larger than this import as a background job "
                                      "(`importJob` reports its progress) instead of inside the request."
    )
    recent_auth_seconds: int = Field(900, description="How recent `auth_time` must be for sensitive steps.")
    job_lease_seconds: int = Field(
        60, description="How long a worker holds a job without a heartbeat before another may take it over."
    )
    redis_url: str | None = Field(None, description="Redis URL for shared rate limits (several replicas).")
    oauth_redirect_uri: str | None = Field(
        None, description="HTTPS page networks send members back to after approving a live link "
                          "(it passes `code` and `state` to `completeLink`); live linking is off when unset."
    )

    @field_validator("var_dir", "policies_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'renown.sqlite'}"

    @property
    def effective_keyring_file(self) -> Path:
        return self.keyring_file or self.var_dir / "keyring.json"

    @property
    def effective_jwt_key_file(self) -> Path:
        return self.jwt_private_key_file or self.var_dir / "jwt-signing.pem"

    def check_production(self) -> None:
        """Refuse to run production with generated or placeholder secrets."""
        if not self.is_production:
            return
        problems = []
        if not self.database_url:
            problems.append("RENOWN_DATABASE_URL must name the production database")
        if self.master_key is None and self.keyring_file is None:
            problems.append("set RENOWN_KEYRING_FILE or RENOWN_MASTER_KEY (no key is generated in production)")
        if self.master_key is not None and self.master_key.get_secret_value().strip().lower() in PLACEHOLDERS:
            problems.append("RENOWN_MASTER_KEY is a placeholder")
        if self.jwt_private_key_file is None:
            problems.append("set RENOWN_JWT_PRIVATE_KEY_FILE (no signing key is generated in production)")
        if "example.org" in self.jwt_issuer:
            problems.append("RENOWN_JWT_ISSUER is the development placeholder")
        if problems:
            raise SettingsError("refusing to start in production: " + "; ".join(problems))
