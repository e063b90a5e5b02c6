"""An import job's progress: a fraction once the archive is counted, a count before."""

from __future__ import annotations

from renown.domain.activity import ImportSummary
from renown.domain.import_jobs import ImportJobState, ImportStatus


def test_progress_is_the_count_done_until_the_total_is_known_then_a_fraction() -> None:
    started = ImportJobState().running().advanced(250)
    assert (started.status, started.progress) == (ImportStatus.RUNNING, 250.0)
    counted = started.running(total=1000)
    assert counted.progress == 0.25


def test_an_empty_archive_is_complete_and_a_finished_one_counts_skipped_activities_as_done() -> None:
    assert ImportJobState().running(total=0).progress == 1.0
    done = ImportJobState().running(total=5).advanced(2).succeeded(ImportSummary(2, 3, ("own_posts",)))
    assert (done.status, done.done, done.total, done.progress) == (ImportStatus.DONE, 5, 5, 1.0)


def test_a_failure_counts_nothing_as_done_and_names_its_code() -> None:
    failed = ImportJobState().running(total=9).advanced(4).failed("ARCHIVE_MALFORMED", "not valid JSON")
    assert (failed.status, failed.done, failed.imported, failed.error_code) == (
        ImportStatus.FAILED, 0, 0, "ARCHIVE_MALFORMED")


def test_the_state_survives_the_job_payload() -> None:
    state = ImportJobState().running(total=7).advanced(3)
    assert ImportJobState.from_payload(state.to_payload()) == state
    assert ImportJobState.from_payload(None) == ImportJobState()
