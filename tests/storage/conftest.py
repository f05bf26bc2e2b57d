"""Storage fixtures: every repository test runs against a SQLite file and a real PostgreSQL server.

PostgreSQL comes from ``CANDID_TEST_POSTGRES_URL`` (``bash scripts/start_postgres.sh`` starts one and
prints it; CI sets it). Without it the PostgreSQL variants are skipped. Each test gets its own
PostgreSQL schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage import Repository, create_engine, upgrade
from tests.storage.factories import FakeClock, make_plan

POSTGRES_URL = os.environ.get("CANDID_TEST_POSTGRES_URL", "").strip()
NO_POSTGRES = "CANDID_TEST_POSTGRES_URL is not set (run `bash scripts/start_postgres.sh` to get one)"
BACKENDS = ["sqlite", "postgresql"]


def new_database_url(backend: str, tmp_path) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file, or a fresh schema on the PostgreSQL server."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'candid.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, tmp_path) -> Iterator[str]:
    """An empty database of each backend (not migrated)."""
    yield from new_database_url(backend, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def migrated_url(db_url) -> str:
    upgrade(db_url)
    return db_url


@pytest.fixture
def repo(migrated_url, clock) -> Iterator[Repository]:
    """A repository on a migrated, empty database, with a fake clock."""
    repository = Repository(create_engine(migrated_url), clock=clock)
    yield repository
    repository.close()


@pytest.fixture
def second_repo(migrated_url, clock) -> Iterator[Repository]:
    """Another repository on the same database, with its own engine (as another process would have)."""
    repository = Repository(create_engine(migrated_url), clock=clock)
    yield repository
    repository.close()


@pytest.fixture
def interview(repo):
    """An interview on a saved plan, with a registered candidate."""
    user = repo.create_user("Ada Candidate", email="ada@example.com")
    plan = repo.create_plan(make_plan())
    return repo.create_interview(plan.id, user.id, "Ada")
