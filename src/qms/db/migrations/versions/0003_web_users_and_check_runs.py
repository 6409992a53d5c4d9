"""users' credentials, API tokens, login throttling and the check-run registry

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

For the web workspace (`qms serve`): password hashes and API-token hashes of the
users named in qms.yaml, failed-login counters, and the check runs made in the
workspace; indexes on the NC columns the web filters by.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_credential",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_user_credential")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    op.create_index(op.f("ix_api_token_username"), "api_token", ["username"], unique=False)
    op.create_table(
        "login_failure",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failure")),
    )
    op.create_table(
        "check_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("out_dir", sa.String(length=1000), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("summary_sha256", sa.String(length=64), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_run")),
    )
    op.create_index(op.f("ix_check_run_registered_at"), "check_run", ["registered_at"], unique=False)
    # the web's NC filters and their menus (distinct units and procedures)
    op.create_index(op.f("ix_nonconformity_unit"), "nonconformity", ["unit"], unique=False)
    op.create_index(op.f("ix_nonconformity_procedure_code"), "nonconformity", ["procedure_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nonconformity_procedure_code"), table_name="nonconformity")
    op.drop_index(op.f("ix_nonconformity_unit"), table_name="nonconformity")
    op.drop_index(op.f("ix_check_run_registered_at"), table_name="check_run")
    op.drop_table("check_run")
    op.drop_table("login_failure")
    op.drop_index(op.f("ix_api_token_username"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("user_credential")
