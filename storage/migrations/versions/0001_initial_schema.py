"""Initial schema: users, plans, invites, interviews, answers, scoring jobs, assessments, score overrides.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        _created_at(),
        sa.CheckConstraint("role IN ('candidate', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("bank_slug", sa.String(length=100), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name="fk_plans_created_by_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint("max_uses >= 1", name="ck_invites_max_uses_positive"),
        sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name="ck_invites_uses_in_range"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name="fk_invites_created_by_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_invites_plan_id_plans", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
        sa.UniqueConstraint("token_hash", name="uq_invites_token_hash"),
    )
    op.create_index("ix_invites_plan_id", "invites", ["plan_id"])
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("candidate_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _created_at(),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('in_progress', 'completed')", name="ck_interviews_status"),
        sa.ForeignKeyConstraint(
            ["invite_id"], ["invites.id"], name="fk_interviews_invite_id_invites", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_interviews_plan_id_plans"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_interviews_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_interviews"),
    )
    op.create_index("ix_interviews_created_at", "interviews", ["created_at"])
    op.create_index("ix_interviews_plan_id", "interviews", ["plan_id"])
    op.create_index("ix_interviews_user_id", "interviews", ["user_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"], name="fk_answers_interview_id_interviews", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
    )
    op.create_index("ix_answers_interview_id", "answers", ["interview_id"])
    op.create_table(
        "scoring_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="ck_scoring_jobs_status"),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name="fk_scoring_jobs_answer_id_answers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scoring_jobs"),
    )
    op.create_index("ix_scoring_jobs_answer_id", "scoring_jobs", ["answer_id"])
    op.create_index("ix_scoring_jobs_status_id", "scoring_jobs", ["status", "id"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("embedder", sa.String(length=300), nullable=False),
        sa.Column("prompt_version", sa.String(length=100), nullable=False),
        sa.Column("rubric_version", sa.String(length=100), nullable=False),
        sa.Column("assessment_json", sa.Text(), nullable=False),
        _created_at(),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_assessments_score_range"),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name="fk_assessments_answer_id_answers", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["scoring_jobs.id"], name="fk_assessments_job_id_scoring_jobs", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
    )
    op.create_index("ix_assessments_answer_id", "assessments", ["answer_id"])
    op.create_table(
        "score_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_score_overrides_score_range"),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["users.id"], name="fk_score_overrides_admin_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_score_overrides_assessment_id_assessments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_score_overrides"),
    )
    op.create_index("ix_score_overrides_assessment_id", "score_overrides", ["assessment_id"])


def downgrade() -> None:
    """Drop every table (and all data)."""
    for table in (
        "score_overrides",
        "assessments",
        "scoring_jobs",
        "answers",
        "interviews",
        "invites",
        "plans",
        "users",
    ):
        op.drop_table(table)
