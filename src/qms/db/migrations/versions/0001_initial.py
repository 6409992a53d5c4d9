"""initial register and audit tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-26

Register head and history chain, nonconformities with evidence and actions,
audit programmes, audits and their results.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_programme')),
    sa.UniqueConstraint('year', name=op.f('uq_audit_programme_year'))
    )
    op.create_table('history',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_entity_id'), ['entity_id'], unique=False)

    op.create_table('register_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_head'))
    )
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('processes', sa.JSON(), nullable=False),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('planned_month', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('audit_date', sa.Date(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('lead_auditor', sa.String(length=100), nullable=True),
    sa.Column('auditors', sa.JSON(), nullable=True),
    sa.Column('auditees', sa.JSON(), nullable=True),
    sa.Column('checklist_code', sa.String(length=100), nullable=True),
    sa.Column('checklist_issue', sa.Integer(), nullable=True),
    sa.Column('checklist_items', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['audit_programme.id'], name=op.f('fk_audit_programme_id_audit_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit')),
    sa.UniqueConstraint('code', name=op.f('uq_audit_code'))
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_programme_id'), ['programme_id'], unique=False)

    op.create_table('nonconformity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_key', sa.String(length=400), nullable=True),
    sa.Column('severity', sa.String(length=12), nullable=False),
    sa.Column('clause', sa.String(length=20), nullable=True),
    sa.Column('procedure_code', sa.String(length=100), nullable=True),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('period', sa.String(length=10), nullable=True),
    sa.Column('rule', sa.String(length=100), nullable=True),
    sa.Column('audit_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('raised_by', sa.String(length=100), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('containment', sa.Text(), nullable=True),
    sa.Column('cause_method', sa.String(length=20), nullable=True),
    sa.Column('cause_analysis', sa.JSON(), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('verifications', sa.JSON(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_nonconformity_audit_id_audit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity')),
    sa.UniqueConstraint('source_key', name=op.f('uq_nonconformity_source_key'))
    )
    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonconformity_state'), ['state'], unique=False)

    op.create_table('audit_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('clause', sa.String(length=20), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nc_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_audit_result_audit_id_audit')),
    sa.ForeignKeyConstraint(['nc_id'], ['nonconformity.id'], name=op.f('fk_audit_result_nc_id_nonconformity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_result')),
    sa.UniqueConstraint('audit_id', 'item_id', name='uq_audit_result_item')
    )
    with op.batch_alter_table('audit_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_result_audit_id'), ['audit_id'], unique=False)

    op.create_table('nc_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nc_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['nc_id'], ['nonconformity.id'], name=op.f('fk_nc_action_nc_id_nonconformity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nc_action')),
    sa.UniqueConstraint('nc_id', 'number', name='uq_nc_action_number')
    )
    with op.batch_alter_table('nc_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nc_action_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_nc_action_nc_id'), ['nc_id'], unique=False)

    op.create_table('nc_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nc_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nc_id'], ['nonconformity.id'], name=op.f('fk_nc_evidence_nc_id_nonconformity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nc_evidence')),
    sa.UniqueConstraint('nc_id', 'kind', 'ref', name='uq_nc_evidence_item')
    )
    with op.batch_alter_table('nc_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nc_evidence_nc_id'), ['nc_id'], unique=False)

    # The chain starts from the all-zero hash; every write transaction locks this row.
    head = sa.table("register_head", sa.column("id", sa.Integer), sa.column("last_seq", sa.Integer),
                    sa.column("last_hash", sa.String))
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    with op.batch_alter_table('nc_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nc_evidence_nc_id'))

    op.drop_table('nc_evidence')
    with op.batch_alter_table('nc_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nc_action_nc_id'))
        batch_op.drop_index(batch_op.f('ix_nc_action_due_date'))

    op.drop_table('nc_action')
    with op.batch_alter_table('audit_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_result_audit_id'))

    op.drop_table('audit_result')
    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonconformity_state'))

    op.drop_table('nonconformity')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_programme_id'))

    op.drop_table('audit')
    op.drop_table('register_head')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_entity_id'))

    op.drop_table('history')
    op.drop_table('audit_programme')
