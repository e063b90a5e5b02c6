"""`renown rescore`, `renown demo` ending in a batch run, and `renown topics import-klout`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from renown.__main__ import cli
from renown.domain.member import AgeBracket
from renown.services.demo import generate_population
from renown.services.taxonomy import load_taxonomy

KLOUT = Path(__file__).resolve().parents[1] / "data" / "klout-topics"  # an excerpt of Klout's files


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A development environment on a SQLite file of its own, as an operator's shell would have."""
    monkeypatch.setenv("RENOWN_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RENOWN_ENVIRONMENT", "development")
    monkeypatch.delenv("RENOWN_DATABASE_URL", raising=False)
    monkeypatch.setenv("RENOWN_POLICIES_DIR", str(Path(__file__).parents[2] / "policies"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "var"


def test_demo_scores_its_members_and_rescore_runs_again(env: Path) -> None:
    # given a demo population of twelve (members under 16 or of undeclared age are not scored)
    scorable = sum(m.age_bracket in (AgeBracket.ADULT, AgeBracket.FROM_16_TO_17)
                   for m in generate_population(12, 5).members())
    runner = CliRunner()
    # when the demo is stored, then rescored
    demo = runner.invoke(cli, ["demo", "--members", "12", "--seed", "5"])
    rescored = runner.invoke(cli, ["rescore"])
    # then both ran, and the second run reused the demo's calibration
    assert demo.exit_code == 0, demo.output
    assert "12 demo members stored." in demo.output
    assert rescored.exit_code == 0, rescored.output
    last = rescored.output.splitlines()[-1]
    assert re.fullmatch(rf"scored {scorable} members, withdrew {12 - scorable} scores; calibration "
                        r"cal-\d{8}-[0-9a-f]{10}; seconds \{.*\}", last), last


def test_import_klout_writes_a_taxonomy_renown_can_load(env: Path, tmp_path: Path) -> None:
    output = tmp_path / "klout.yaml"
    result = CliRunner().invoke(cli, ["topics", "import-klout", str(KLOUT), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"20 topics in 16 categories written to {output}\n"
    taxonomy = load_taxonomy(output)
    assert (len(taxonomy.topics), taxonomy.version) == (20, "klout-20180601")


def test_import_klout_names_what_is_missing(env: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["topics", "import-klout", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "klout_topic_ontology_20180601.csv" in result.stderr
