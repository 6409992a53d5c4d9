"""approval of the action plan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

A corrective-action request is approved before it is carried out: who approved the
current cycle's action plan, and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_approved_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("plan_approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_column("plan_approved_at")
        batch_op.drop_column("plan_approved_by")
