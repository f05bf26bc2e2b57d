"""Engine creation, URL handling, migrations and the database-unavailable error."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from settings import Settings
from storage import DatabaseUnavailableError, Repository, create_engine, database_url, open_repository, upgrade
from storage.db import alembic_config, current_revision, head_revision
from storage.tables import Base
from tests.storage.factories import make_plan

TABLES = {
    "users",
    "plans",
    "invites",
    "interviews",
    "answers",
    "answer_audio",
    "scoring_jobs",
    "assessments",
    "score_overrides",
    "alembic_version",
}


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:////tmp/x/candid.db", "sqlite"),
        ("sqlite+pysqlite:///relative.db", "sqlite"),
        ("postgresql://u:p@localhost/candid", "postgresql+psycopg"),
        ("postgres://u:p@localhost/candid", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@localhost:5433/candid", "postgresql+psycopg"),
    ],
)
def test_database_url_picks_the_driver(given, driver):
    assert database_url(given).drivername == driver


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://u:p@localhost/candid", "sqlite:/// or postgresql://"),
        ("sqlite://", "SQLite file"),
        ("sqlite:///:memory:", "SQLite file"),
        ("not a url", "not a valid database URL"),
    ],
)
def test_database_url_rejects_other_databases(given, message):
    with pytest.raises(ValueError, match=message):
        database_url(given)


def test_settings_default_to_a_sqlite_file_in_the_data_dir(tmp_path):
    settings = Settings.from_env({"CANDID_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'candid.db'}"
    assert settings.retention_days is None
    assert "database_url" not in repr(Settings.from_env({"DATABASE_URL": "postgresql://u:secret@h/db"}))


def test_settings_read_database_url_and_retention():
    settings = Settings.from_env({"DATABASE_URL": " postgresql://u:p@h/db ", "CANDID_RETENTION_DAYS": "30"})
    assert settings.database_url == "postgresql://u:p@h/db"
    assert settings.retention_days == 30
    assert Settings.from_env({"CANDID_RETENTION_DAYS": "0"}).retention_days is None


def test_migrations_create_the_schema_from_empty(db_url):
    engine = create_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(db_url)
        assert set(sa.inspect(engine).get_table_names()) == TABLES
        assert current_revision(engine) == head_revision()
        upgrade(db_url)  # a second start changes nothing
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrations_match_the_models(migrated_url):
    """The migrated schema is exactly what the ORM classes describe (no forgotten migration)."""
    engine = create_engine(migrated_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'candid.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        engine.dispose()
    assert (tmp_path / "data" / "candid.db").is_file()  # the folder was created


def test_open_repository_migrates_and_applies_retention(tmp_path):
    settings = Settings.from_env({"CANDID_DATA_DIR": str(tmp_path), "CANDID_RETENTION_DAYS": "7"})
    repository = open_repository(settings)
    try:
        assert repository.dialect == "sqlite"
        assert current_revision(repository.engine) == head_revision()
    finally:
        repository.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgres_down_gives_a_clear_error(tmp_path):
    url = f"postgresql://candid:s3cret-pw@127.0.0.1:{_closed_port()}/candid"
    settings = Settings.from_env({"DATABASE_URL": url, "CANDID_DATA_DIR": str(tmp_path)})
    with pytest.raises(DatabaseUnavailableError) as raised:
        open_repository(settings)
    message = str(raised.value)
    assert "The database is not available" in message
    assert "Connection refused" in message or "connection" in message.lower()
    assert "127.0.0.1" in message
    assert "s3cret-pw" not in message


def test_every_call_reports_an_unreachable_database(tmp_path):
    repository = Repository(create_engine(f"postgresql://candid:pw@127.0.0.1:{_closed_port()}/candid"))
    try:
        with pytest.raises(DatabaseUnavailableError):
            repository.save_answer(1, "BE_Q1", "Why?", "Because my typed answer matters.")
        with pytest.raises(DatabaseUnavailableError):
            repository.claim_next_job("worker")
    finally:
        repository.close()


def test_unusable_sqlite_location_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(DatabaseUnavailableError, match="cannot create the folder"):
        upgrade(f"sqlite:///{blocker / 'candid.db'}")


def test_sqlite_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    path = Path(tmp_path / "candid.db")
    path.write_bytes(b"this is not a SQLite database, just some bytes" * 100)
    with pytest.raises(DatabaseUnavailableError, match="not a database"):
        upgrade(f"sqlite:///{path}")


def test_the_initial_migration_can_be_reverted(migrated_url):
    engine = create_engine(migrated_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(sa.inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_interviews_made_before_resume_tokens_get_one_each(db_url):
    """Revision 0002 gives every existing interview its own resume token (and the app reads them)."""
    engine = create_engine(db_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            now = datetime.now(UTC)
            connection.execute(
                sa.text(
                    "INSERT INTO plans (id, title, bank_slug, plan_json, created_at) VALUES (1, 'p', 'b', '{}', :t)"
                ),
                {"t": now},
            )
            for interview_id in (1, 2):
                connection.execute(
                    sa.text(
                        "INSERT INTO interviews (id, plan_id, candidate_name, status, created_at) "
                        "VALUES (:id, 1, 'c', 'in_progress', :t)"
                    ),
                    {"id": interview_id, "t": now},
                )
        upgrade(engine)
        with engine.connect() as connection:
            tokens = connection.execute(sa.text("SELECT resume_token FROM interviews ORDER BY id")).scalars().all()
        assert len(tokens) == 2 and all(len(token) == 32 for token in tokens) and tokens[0] != tokens[1]
    finally:
        engine.dispose()


def _migrate(engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _rows(engine, query: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query))]


def test_spoken_answers_migration_keeps_the_data_both_ways(db_url):
    """Revision 0003 adds ``answers.delivery_json`` and ``answer_audio`` to a database holding answers, and back."""
    engine = create_engine(db_url)
    try:
        _migrate(engine, "0002")
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO plans (id, title, bank_slug, plan_json, created_at) VALUES (1, 'p', 'b', :plan, :t)"
                ),
                {"plan": make_plan("BE_Q1", "BE_Q2").model_dump_json(), "t": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO interviews (id, plan_id, candidate_name, status, created_at, resume_token, mode) "
                    "VALUES (1, 1, 'c', 'in_progress', :t, 'tok', 'practice')"
                ),
                {"t": now},
            )
            # Ids from the database's own sequences, so the repository's later rows do not collide with them.
            connection.execute(
                sa.text(
                    "INSERT INTO answers (interview_id, question_id, question_text, answer_text, created_at) "
                    "VALUES (1, 'BE_Q1', 'Why?', 'Because, typed before spoken answers.', :t)"
                ),
                {"t": now},
            )
            old = connection.execute(sa.text("SELECT id FROM answers")).scalar_one()
            connection.execute(
                sa.text(
                    "INSERT INTO scoring_jobs (answer_id, status, attempts, queued_at) VALUES (:a, 'queued', 0, :t)"
                ),
                {"a": old, "t": now},
            )
        answers = (
            "SELECT id, interview_id, question_id, question_text, answer_text, created_at FROM answers ORDER BY id"
        )
        jobs = "SELECT id, answer_id, status, attempts, queued_at FROM scoring_jobs ORDER BY id"
        interviews = "SELECT id, plan_id, candidate_name, resume_token, mode FROM interviews"
        before = {query: _rows(engine, query) for query in (answers, jobs, interviews)}

        _migrate(engine, "0003")
        assert current_revision(engine) == "0003"
        assert {query: _rows(engine, query) for query in before} == before
        assert _rows(engine, "SELECT id, delivery_json FROM answers") == [(old, None)]
        assert _rows(engine, "SELECT COUNT(*) FROM answer_audio") == [(0,)]

        upgrade(engine)
        repository = Repository(engine)
        [answer] = repository.answers(1)
        assert (answer.id, answer.answer_text, answer.delivery_json, answer.has_audio) == (
            old,
            "Because, typed before spoken answers.",
            None,
            False,
        )
        spoken = repository.save_answer(
            1, "BE_Q2", "Q", "Spoken.", delivery_json='{"words": 1}', audio=b"RIFF", audio_media_type="audio/wav"
        )
        assert spoken != old and repository.answer_audio(spoken) == (b"RIFF", "audio/wav")
        assert repository.claim_next_job("w").answer_id == old  # the old job is still queued, first in line
        after_upgrade = {query: _rows(engine, query) for query in before}

        _migrate(engine, "0002", down=True)
        assert "answer_audio" not in sa.inspect(engine).get_table_names()
        assert "delivery_json" not in {column["name"] for column in sa.inspect(engine).get_columns("answers")}
        # The column is dropped in place: no copy of ``answers``, so no ON DELETE CASCADE reaches the jobs.
        assert {query: _rows(engine, query) for query in before} == after_upgrade
        assert len(after_upgrade[answers]) == 2 and len(after_upgrade[jobs]) == 2

        _migrate(engine, "0001", down=True)  # 0002's columns also go in place: the answers stay
        assert "resume_token" not in {column["name"] for column in sa.inspect(engine).get_columns("interviews")}
        assert _rows(engine, answers) == after_upgrade[answers] and _rows(engine, jobs) == after_upgrade[jobs]
    finally:
        engine.dispose()
