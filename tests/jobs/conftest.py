"""The database fixtures of the storage tests (SQLite and PostgreSQL), for the database-backed worker's tests."""

from tests.storage.conftest import backend, clock, db_url, interview, migrated_url, repo, second_repo  # noqa: F401
