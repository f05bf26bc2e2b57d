"""Spoken answers: an answer's delivery figures, and its recording when recordings are kept.

``answers.delivery_json`` holds a spoken answer's delivery figures (pace, fillers, pauses) as the
scorer's JSON; typed answers, and every answer saved before this revision, have none. The new table
``answer_audio`` holds at most one recording per answer (``Settings.keep_audio``), deleted with its
answer (and so with its interview) through ``ON DELETE CASCADE``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``answers.delivery_json`` (``NULL`` for existing answers) and the table ``answer_audio``."""
    # Adding a nullable column needs no copy of the table, even in batch mode on SQLite.
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("delivery_json", sa.Text(), nullable=True))
    op.create_table(
        "answer_audio",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name="fk_answer_audio_answer_id_answers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answer_audio"),
    )
    op.create_index("ix_answer_audio_answer_id", "answer_audio", ["answer_id"], unique=True)


def downgrade() -> None:
    """Drop the table ``answer_audio`` (every kept recording) and ``answers.delivery_json``.

    The column is dropped in place (SQLite 3.35+ ``ALTER TABLE ... DROP COLUMN``), not by batch mode's
    copy of the table: with foreign keys on, dropping the old ``answers`` table would cascade to every
    scoring job and assessment.
    """
    op.drop_index("ix_answer_audio_answer_id", table_name="answer_audio")
    op.drop_table("answer_audio")
    with op.batch_alter_table("answers", recreate="never") as batch:
        batch.drop_column("delivery_json")
