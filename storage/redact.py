"""Keep candidate text out of logs: answers appear in log lines only when ``Settings.debug`` is on.

Three leaks are closed: Candid's own log lines (``loggable_text``), SQLAlchemy's logged and
error-message parameters (engines are created with ``hide_parameters``), and SQLAlchemy's logged
result rows (``ResultRowFilter``, installed by ``storage.db.create_engine``).
"""

from __future__ import annotations

import logging

ENGINE_LOGGER = "sqlalchemy.engine.Engine"


def loggable_text(text: str, *, debug: bool) -> str:
    """What a log line may say about a piece of candidate text.

    Args:
        text: The candidate's text (an answer, a name, a comment).
        debug: Whether debug logging of answer text is switched on.

    Returns:
        ``repr(text)`` in debug mode, otherwise only its length, e.g. ``<answer text hidden: 812 characters>``.
    """
    if debug:
        return repr(text)
    return f"<answer text hidden: {len(text)} characters>"


class ResultRowFilter(logging.Filter):
    """Drops SQLAlchemy's DEBUG-level engine records (fetched rows, which hold answers) unless ``debug``.

    SQL statements stay visible at INFO; their parameters are hidden by the engine itself.
    """

    def __init__(self) -> None:
        super().__init__()
        self.debug = False

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record unless it is a DEBUG record and debug logging is off."""
        return self.debug or record.levelno > logging.DEBUG


_ROW_FILTER = ResultRowFilter()


def hide_result_rows(*, debug: bool) -> None:
    """Install (once per process) the filter on SQLAlchemy's engine logger; ``debug`` lets rows through."""
    logger = logging.getLogger(ENGINE_LOGGER)
    if _ROW_FILTER not in logger.filters:
        logger.addFilter(_ROW_FILTER)
    _ROW_FILTER.debug = debug
