"""A random resume token per interview, which resume links are bound to; the interview's mode.

SQLite gives a new row the highest id plus one, so after the newest interview is deleted the next
one gets its id: a link signed over the id alone would open it. Existing interviews get a fresh
token each (links made before this revision stop working, which is the safe side).

``interviews.mode`` keeps practice interviews practice when they are read back (``interview`` for
the existing ones, which is what they were shown as); ``interviews.drafts_json`` keeps answers typed
but not yet submitted, so a reload loses nothing the browser had sent.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``interviews.resume_token`` (every existing interview gets one), ``mode`` and ``drafts_json``."""
    op.add_column("interviews", sa.Column("resume_token", sa.String(length=64), nullable=True))
    op.add_column("interviews", sa.Column("mode", sa.String(length=20), nullable=False, server_default="interview"))
    op.add_column("interviews", sa.Column("drafts_json", sa.Text(), nullable=True))
    interviews = sa.table("interviews", sa.column("id", sa.Integer()), sa.column("resume_token", sa.String()))
    connection = op.get_bind()
    for (interview_id,) in connection.execute(sa.select(interviews.c.id)).all():
        connection.execute(
            interviews.update().where(interviews.c.id == interview_id).values(resume_token=secrets.token_hex(16))
        )


def downgrade() -> None:
    """Drop ``interviews.drafts_json``, ``mode`` and ``resume_token``.

    In place (SQLite 3.35+ ``ALTER TABLE ... DROP COLUMN``), not by batch mode's copy of the table:
    with foreign keys on, dropping the old ``interviews`` table would cascade to every answer.
    """
    with op.batch_alter_table("interviews", recreate="never") as batch:
        batch.drop_column("drafts_json")
        batch.drop_column("mode")
        batch.drop_column("resume_token")
