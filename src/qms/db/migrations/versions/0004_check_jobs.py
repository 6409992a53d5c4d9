"""checks run in the browser as background jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

A quality officer uploads a log in the web workspace and the check runs in the
server's job pool: the upload, how far the run got, and the check run it registered
or the message it failed with.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("upload_path", sa.String(length=1000), nullable=False),
        sa.Column("upload_bytes", sa.BigInteger(), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("out_dir", sa.String(length=1000), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("check_run_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["check_run_id"], ["check_run.id"],
                                name=op.f("fk_check_job_check_run_id_check_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_job")),
    )
    op.create_index(op.f("ix_check_job_submitted_at"), "check_job", ["submitted_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_check_job_submitted_at"), table_name="check_job")
    op.drop_table("check_job")
