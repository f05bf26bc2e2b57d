"""Answer text never reaches the logs (SQLAlchemy's included) unless debug logging is on."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from jobs.worker import ScoringWorker
from storage import Repository, create_engine
from storage.tables import Answer
from tests.storage.factories import START, make_assessment, make_plan

SECRET = "MY-PRIVATE-ANSWER about the 2019 outage at ACME"


def _exercise(repository: Repository) -> None:
    """Save, score, fail and rescore an answer containing SECRET, with every log level enabled."""
    plan = repository.create_plan(make_plan())
    interview = repository.create_interview(plan.id, None, "Ada")
    answer_id = repository.save_answer(interview.id, "BE_Q1", "What went wrong?", SECRET)
    repository.complete_job(repository.claim_next_job("w").job_id, make_assessment(answer=SECRET))
    repository.rescore(answer_id)

    def explode(job):
        raise ValueError(f"cannot score {job.answer_text!r}")  # exceptions may quote the answer

    ScoringWorker(repository, explode, worker_id="w").run_once()
    row = {"interview_id": 99999, "question_id": "Q", "question_text": "Q", "answer_text": SECRET, "created_at": START}
    with pytest.raises(IntegrityError) as raised, repository.engine.begin() as connection:
        connection.execute(Answer.__table__.insert(), row)  # fails: the parameters hold the answer
    logging.getLogger("test").error("statement failed: %s", raised.value)


@pytest.mark.parametrize("debug", [False, True])
def test_answer_text_is_logged_only_in_debug_mode(migrated_url, caplog, debug):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # SQLAlchemy's SQL and parameter logging too
    repository = Repository(create_engine(migrated_url, debug=debug), debug=debug)
    try:
        _exercise(repository)
    finally:
        repository.close()
    logged = "\n".join(record.getMessage() + (caplog.text if record.exc_info else "") for record in caplog.records)
    assert "Saved answer" in logged and "failed" in logged  # the events themselves are logged
    assert any(record.name.startswith("sqlalchemy.engine") for record in caplog.records)
    if debug:
        assert SECRET in logged
    else:
        assert SECRET not in logged
        assert SECRET not in caplog.text
        assert "answer text hidden" in logged
