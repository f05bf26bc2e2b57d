"""Candid's storage: SQLAlchemy tables, Alembic migrations, a typed repository and a scoring worker.

SQLite file by default, PostgreSQL when ``DATABASE_URL`` says so. Nothing here imports streamlit.
"""

from storage.db import create_engine, database_url, upgrade
from storage.errors import (
    DatabaseUnavailableError,
    ExpiredInviteError,
    InviteError,
    InviteUsedUpError,
    JobStateError,
    NotFoundError,
    StorageError,
    UnknownInviteError,
)
from storage.records import (
    AnswerRecord,
    AssessmentRecord,
    ClaimedJob,
    InterviewRecord,
    InviteRecord,
    JobRecord,
    OverrideRecord,
    PlanRecord,
    UserRecord,
)
from storage.repository import Repository, open_repository
from storage.tables import InterviewStatus, JobStatus, Role

__all__ = [
    "AnswerRecord",
    "AssessmentRecord",
    "ClaimedJob",
    "DatabaseUnavailableError",
    "ExpiredInviteError",
    "InterviewRecord",
    "InterviewStatus",
    "InviteError",
    "InviteRecord",
    "InviteUsedUpError",
    "JobRecord",
    "JobStateError",
    "JobStatus",
    "NotFoundError",
    "OverrideRecord",
    "PlanRecord",
    "Repository",
    "Role",
    "StorageError",
    "UnknownInviteError",
    "UserRecord",
    "create_engine",
    "database_url",
    "open_repository",
    "upgrade",
]
