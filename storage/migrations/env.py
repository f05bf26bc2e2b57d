"""Alembic environment: migrate the connection ``storage.db.upgrade`` passes in, or ``Settings.database_url``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.tables import Base, UTCDateTime

config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write ``UTCDateTime`` columns as plain ``sa.DateTime(timezone=True)``: migrations import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Command-line use (alembic -c storage/alembic.ini ...): the URL comes from the settings.
    from settings import get_settings
    from storage.db import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Candid's migrations run online only: use storage.db.upgrade or `python -m storage upgrade`.")
_run_online()
