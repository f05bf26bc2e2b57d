"""Command line for operators: ``python -m storage upgrade | purge [--days N] | status``."""

from __future__ import annotations

import argparse
import sys

from settings import get_settings
from storage.db import create_engine, current_revision, head_revision, safe_url, upgrade
from storage.errors import DatabaseUnavailableError
from storage.repository import Repository


def main(argv: list[str] | None = None) -> int:
    """Run one storage command against ``Settings.database_url``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="create or migrate the schema to the newest revision")
    commands.add_parser("status", help="show the database and its schema revision")
    purge = commands.add_parser("purge", help="delete interviews older than N days (default: CANDID_RETENTION_DAYS)")
    purge.add_argument("--days", type=int, default=None)
    args = parser.parse_args(argv)

    settings = get_settings()
    engine = create_engine(settings.database_url, debug=settings.debug)
    try:
        if args.command == "upgrade":
            upgrade(engine)
            print(f"{safe_url(engine.url)}: schema at revision {current_revision(engine)}")
        elif args.command == "status":
            current, head = current_revision(engine), head_revision()
            state = "up to date" if current == head else f"needs `python -m storage upgrade` (code is at {head})"
            print(f"{safe_url(engine.url)}: schema at revision {current or 'none'}, {state}")
        else:
            days = args.days if args.days is not None else settings.retention_days
            if days is None:
                print("No retention period: pass --days N or set CANDID_RETENTION_DAYS.", file=sys.stderr)
                return 2
            print(f"Deleted {Repository(engine).purge_older_than(days)} interviews older than {days} days.")
    except DatabaseUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
