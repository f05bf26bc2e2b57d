"""Database connections: engine creation from ``Settings.database_url``, sessions, migrations, error translation.

SQLite (one file, WAL journal, foreign keys on) is the default; a ``postgresql://`` URL switches to
PostgreSQL through psycopg 3. Any failure to reach the database surfaces as ``DatabaseUnavailableError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailableError
from storage.redact import hide_result_rows

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 5
# Any constant works: it only has to be the same in every process that migrates the same server.
_MIGRATION_LOCK_KEY = 0x43414E444944  # "CANDID"


def database_url(url: str | URL) -> URL:
    """Parse a database URL and pick its driver: SQLite's built-in one, or psycopg 3 for PostgreSQL.

    Args:
        url: ``sqlite:///path/to/file.db`` or ``postgresql://user:password@host:port/name``
            (``postgres://`` and ``postgresql+psycopg://`` are accepted too).

    Returns:
        The parsed URL with an explicit driver.

    Raises:
        ValueError: The URL is malformed, names another database, or is an in-memory SQLite database
            (each connection would see its own empty database).
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except sa.exc.ArgumentError as exc:
        raise ValueError(f"DATABASE_URL is not a valid database URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("DATABASE_URL must name a SQLite file (sqlite:///path/candid.db), not in-memory")
        return parsed.set(drivername="sqlite")
    raise ValueError(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {backend}://")


def safe_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True) if isinstance(url, str) else url.render_as_string()


def create_engine(url: str | URL, *, debug: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout on every connection.

    Bound parameters and fetched rows (which include answer text) are kept out of logs and error
    messages unless ``debug`` is on (a process-wide switch for rows: the last engine created decides).

    Args:
        url: The database URL (see ``database_url``).
        debug: Show bound parameters in SQLAlchemy's logs and errors.

    Returns:
        The engine; connections are opened lazily, so an unreachable database fails on first use.

    Raises:
        ValueError: The URL is not a supported database URL.
        DatabaseUnavailableError: The SQLite file's folder cannot be created.
    """
    parsed = database_url(url)
    hide_result_rows(debug=debug)
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or "").expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailableError(
                safe_url(parsed), f"cannot create the folder {folder}: {exc.strerror}"
            ) from exc
        engine = sa.create_engine(parsed, hide_parameters=not debug)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        parsed,
        hide_parameters=not debug,
        pool_pre_ping=True,
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the repository returns plain records anyway)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unavailable_as_error(url: URL) -> Iterator[None]:
    """Turn a failure to reach or use the database into ``DatabaseUnavailableError``.

    The reason is the driver's own first line (no SQL, no parameters, so no answer text).
    """
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailableError(safe_url(url), _reason(exc)) from exc
    except DatabaseError as exc:
        if type(exc) is not DatabaseError:  # integrity, data and programming errors are bugs, not outages
            raise
        # A bare DatabaseError is the driver saying the database itself is unusable (e.g. a corrupt SQLite file).
        raise DatabaseUnavailableError(safe_url(url), _reason(exc)) from exc


def _reason(exc: DBAPIError) -> str:
    original = exc.orig if exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def alembic_config() -> Config:
    """Alembic's configuration for Candid's migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration revision in the code base."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's migration revision (``None`` for an empty database).

    Raises:
        DatabaseUnavailableError: The database cannot be reached.
    """
    with unavailable_as_error(engine.url), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | URL | Engine, *, debug: bool = False) -> None:
    """Create or migrate the schema to the newest revision (``alembic upgrade head``); safe to call at every start.

    On PostgreSQL an advisory lock serialises processes that start together (an app and its workers).

    Args:
        url: The database URL, or an engine to use.
        debug: Show bound parameters in logs (only when a URL is given).

    Raises:
        DatabaseUnavailableError: The database cannot be reached.
    """
    engine = url if isinstance(url, Engine) else create_engine(url, debug=debug)
    config = alembic_config()
    try:
        with unavailable_as_error(engine.url), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if engine is not url:
            engine.dispose()
