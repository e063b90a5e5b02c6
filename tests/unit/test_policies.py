"""Policies as data: the shipped files load, bad files fail with file + path + reason, the data map is complete."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from renown.__main__ import cli
from renown.app import build_runtime
from renown.domain.member import AgeBracket, Member, MemberStatus
from renown.domain.policies import ConsentPurpose, Policies, may_score
from renown.domain.policy_rules import PolicyProblem, data_map_problems, policy_problems
from renown.settings import Settings
from renown.storage.policy_loader import PolicyError, check_data_map, load_policies, table_columns
from renown.storage.tables import metadata

POLICIES = Path(__file__).parents[2] / "policies"
AT = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
MEMBER_ID = UUID("00000000-0000-4000-8000-000000000001")


@pytest.fixture(scope="module")
def shipped() -> Policies:
    return load_policies(POLICIES)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped policies to break."""
    return Path(shutil.copytree(POLICIES, tmp_path / "policies"))


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must appear once in {file.name}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def line_of(file: Path, needle: str) -> int:
    return next(i for i, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_the_shipped_policies_load_and_declare_every_real_column(shipped: Policies) -> None:
    # when the real data map is compared with the real tables
    problems = check_data_map(shipped, metadata, POLICIES)
    # then nothing is undeclared or stale, and every purpose the code gates is there
    assert problems == []
    assert set(table_columns(metadata)) == set(shipped.data_map)
    assert {p.value for p in ConsentPurpose} <= set(shipped.purposes)
    assert shipped.purpose("service_operation").optional is False
    assert [k for k, p in shipped.purposes.items() if p.optional] == [p.value for p in ConsentPurpose]


def test_an_undeclared_column_fails_the_data_map_check(shipped: Policies) -> None:
    # given the real tables plus a column nobody declared
    tables = table_columns(metadata)
    tables["activity"] = [*tables["activity"], "mood"]
    # then the check names it
    assert data_map_problems(shipped, tables) == [
        PolicyProblem(("data_map", "activity", "columns", "mood"),
                      "column exists but the data map does not declare it"),
    ]


def test_undeclared_and_stale_tables_and_stale_columns_fail_the_check(shipped: Policies) -> None:
    tables = table_columns(metadata)
    tables["brand_invoice"] = ["id", "member_id"]  # a table nobody declared
    tables["score"] = [c for c in tables["score"] if c != "explanation"]
    del tables["job_step"]
    assert data_map_problems(shipped, tables) == [
        PolicyProblem(("data_map", "brand_invoice"), "table exists but the data map does not declare it"),
        PolicyProblem(("data_map", "score", "columns", "explanation"),
                      "declared in the data map but the table has no such column"),
        PolicyProblem(("data_map", "job_step"), "declared in the data map but no such table exists"),
    ]


def test_the_checker_locates_an_undeclared_column_in_the_data_map_file(shipped: Policies, folder: Path) -> None:
    # given the data map without its `mentions` column
    data_map = folder / "data-map.yaml"
    edit(data_map, "      mentions:          {category: activity.engagement, purposes: [scoring], personal: true, "
                   "subjects: [member]}\n", "")
    policies = load_policies(folder)
    # then the located problem names the file, the path inside it and the reason
    [problem] = check_data_map(policies, metadata, folder)
    assert (problem.file, problem.path, problem.reason) == (
        str(data_map), "data_map.activity.columns.mentions", "column exists but the data map does not declare it")
    lines = data_map.read_text(encoding="utf-8").splitlines()
    activity = lines.index("  activity:")
    assert problem.line == lines.index("    columns:", activity) + 1


def test_a_bad_value_names_file_path_line_and_reason(folder: Path) -> None:
    # given a lawful basis that does not exist
    purposes = folder / "purposes.yaml"
    edit(purposes, "    lawful_basis: legitimate_interest\n", "    lawful_basis: because_we_can\n")
    # when the policies load
    with pytest.raises(PolicyError) as caught:
        load_policies(folder)
    # then the error says where and why
    error = caught.value
    assert (error.file, error.path) == (str(purposes), "purposes.security.lawful_basis")
    assert error.reason.startswith("Input should be 'consent', 'explicit_consent', 'contract'")
    assert error.problems[0].line == line_of(purposes, "because_we_can")
    assert f"{purposes}:{line_of(purposes, 'because_we_can')}: purposes.security.lawful_basis: Input" in str(error)


def test_a_misspelt_key_is_refused_not_ignored(folder: Path) -> None:
    edit(folder / "processing.yaml", "  erasure_grace_days: 7\n", "  erasure_grace_dayz: 7\n")
    with pytest.raises(PolicyError) as caught:
        load_policies(folder)
    assert [(p.path, p.reason) for p in caught.value.problems] == [
        ("processing.erasure_grace_days", "required but missing"),
        ("processing.erasure_grace_dayz", "unknown key (misspelt, or not part of the policy schema)"),
    ]


def test_a_key_written_twice_is_refused(folder: Path) -> None:
    retention = folder / "retention.yaml"
    edit(retention, "  audit:\n", "  audit:\n    days: 30\n")
    with pytest.raises(PolicyError) as caught:
        load_policies(folder)
    assert caught.value.file == str(retention)
    assert caught.value.reason == "not valid YAML: key 'days' appears twice"


def test_rules_across_files_are_checked(folder: Path) -> None:
    # given an encrypted column declared plaintext, and a consent purpose moved to a contract basis
    edit(folder / "data-map.yaml", "content_enc:       {category: activity.content, purposes: [scoring, topics, "
         "special_topics], personal: true, encrypted: true,",
         "content_enc:       {category: activity.content, purposes: [scoring, topics, special_topics], personal: true,")
    edit(folder / "purposes.yaml", "    lawful_basis: consent\n    dpv_purpose: dpv:Marketing\n",
         "    lawful_basis: contract\n    dpv_purpose: dpv:Marketing\n")
    with pytest.raises(PolicyError) as caught:
        load_policies(folder)
    assert [(Path(p.file).name, p.path, p.reason) for p in caught.value.problems] == [
        ("purposes.yaml", "purposes.third_party_sharing.lawful_basis",
         "members grant this purpose: its basis must be consent"),
        ("data-map.yaml", "data_map.activity.columns.content_enc.encrypted",
         "`*_enc` columns hold vault ciphertext: declare them encrypted"),
    ]


def test_special_categories_need_explicit_consent(shipped: Policies) -> None:
    weakened = dataclasses.replace(shipped, purposes={
        **shipped.purposes, "special_topics": dataclasses.replace(shipped.purposes["special_topics"],
                                                                  lawful_basis=shipped.purposes["topics"].lawful_basis),
    })
    assert policy_problems(weakened) == [PolicyProblem(("purposes", "special_topics", "lawful_basis"),
                                                       "special categories (Art. 9) need explicit consent")]


def test_a_bad_policy_file_stops_start_up(folder: Path, tmp_path: Path) -> None:
    edit(folder / "notices.yaml", "languages: [en, fr]\n", "languages: [en, fr, de]\n")
    settings = Settings(_env_file=None, var_dir=tmp_path / "var", policies_dir=folder)
    with pytest.raises(PolicyError) as caught:
        build_runtime(settings)
    assert (Path(caught.value.file).name, caught.value.path, caught.value.reason) == (
        "controller.yaml", "organisation.withdrawal_method", "missing text in de")


def test_every_notice_tells_members_they_can_withdraw(shipped: Policies) -> None:
    for notice in shipped.notices:
        assert "withdraw any consent at any time" in notice.text["en"]
        assert "retirer un consentement à tout moment" in notice.text["fr"]


@pytest.mark.parametrize(("bracket", "scored"), [
    (AgeBracket.UNDER_16, False), (AgeBracket.FROM_16_TO_17, True), (AgeBracket.ADULT, True),
    (AgeBracket.UNDECLARED, False),
])
def test_members_below_the_minimum_age_are_never_scored(shipped: Policies, bracket: AgeBracket, scored: bool) -> None:
    member = Member(MEMBER_ID, None, bracket, MemberStatus.ACTIVE, AT)
    assert may_score(member, shipped) is scored


def test_a_policy_may_let_undeclared_ages_be_scored(shipped: Policies) -> None:
    lenient = dataclasses.replace(
        shipped, processing=dataclasses.replace(shipped.processing, undeclared_age_may_be_scored=True))
    assert may_score(Member(MEMBER_ID, None, AgeBracket.UNDECLARED, MemberStatus.ACTIVE, AT), lenient) is True


def test_policies_check_passes_on_the_shipped_files() -> None:
    result = CliRunner().invoke(cli, ["policies", "check", "--dir", str(POLICIES)])
    columns = sum(len(t.columns) for t in metadata.tables.values())
    assert (result.exit_code, result.output) == (
        0, f"policies valid: 9 purposes, {len(metadata.tables)} tables and {columns} columns declared\n")


def test_policies_check_fails_with_the_problem(folder: Path) -> None:
    edit(folder / "retention.yaml", "    days: 365\n", "    days: -1\n")
    result = CliRunner().invoke(cli, ["policies", "check", "--dir", str(folder)])
    assert result.exit_code == 1
    assert result.stderr == (f"error: {folder / 'retention.yaml'}:{line_of(folder / 'retention.yaml', '-1')}: "
                             "retention.activity.days: a retention period is a positive number of days\n")


def test_ropa_prints_a_complete_record_as_json(shipped: Policies) -> None:
    # when the record of processing is generated
    result = CliRunner().invoke(cli, ["policies", "ropa", "--format", "json", "--dir", str(POLICIES)])
    assert result.exit_code == 0
    record = json.loads(result.output)
    # then (a) is there, and (b)-(g) are filled in for every purpose
    assert record["controller"]["email"] == "privacy@renown.example.org"
    assert record["dataProtectionOfficer"]["email"] == "dpo@renown.example.org"
    assert [a["id"] for a in record["activities"]] == list(shipped.purposes)
    for activity in record["activities"]:
        for field in ("purpose", "lawfulBasis", "dataSubjects", "dataCategories", "recipients", "transfers",
                      "erasureTimeLimits", "securityMeasures"):
            assert activity[field], f"{activity['id']} has no {field}"
    scoring = next(a for a in record["activities"] if a["id"] == "scoring")
    assert scoring["legalReference"] == "GDPR Art. 6(1)(a), 9(2)(a) and 22(2)(c)"
    assert [r["category"] for r in scoring["erasureTimeLimits"]] == ["account", "activity", "score_history"]
    sharing = next(a for a in record["activities"] if a["id"] == "third_party_sharing")
    assert [r["name"] for r in sharing["recipients"]] == ["Brands publishing perks", "Hosting provider (EU)"]


def test_ropa_prints_markdown_by_default(shipped: Policies) -> None:
    result = CliRunner().invoke(cli, ["policies", "ropa", "--dir", str(POLICIES)])
    assert result.exit_code == 0
    assert result.output.startswith("# Record of processing activities (GDPR Art. 30(1))\n")
    headings = [line for line in result.output.splitlines() if line.startswith("## ")]
    assert headings == ["## (a) Controller and data protection officer"] + [
        f"## {p.name['en']} (`{key}`)" for key, p in shipped.purposes.items()]
