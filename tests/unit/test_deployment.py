"""docker-compose: postgres, a one-shot migrate, api and worker from one image, configured by environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_share_one_image_and_run_their_own_command() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", "api", "worker"}
    assert {services[name]["image"] for name in ("migrate", "api", "worker")} == {"renown:latest"}
    assert services["migrate"]["command"] == ["renown", "migrate"]
    assert services["worker"]["command"] == ["renown", "worker"]
    assert services["api"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}


def test_configuration_comes_from_the_environment_and_points_at_postgres() -> None:
    env = compose()["services"]["api"]["environment"]
    assert env["RENOWN_DATABASE_URL"].startswith("postgresql+asyncpg://renown:")
    assert env["RENOWN_DATABASE_URL"].endswith("@postgres:5432/renown")
    assert all(key.startswith("RENOWN_") for key in env)


def test_the_image_installs_the_project_and_serves_it() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir ." in dockerfile
    assert 'CMD ["renown", "serve"]' in dockerfile
    assert "USER renown" in dockerfile
