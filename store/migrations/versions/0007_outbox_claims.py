"""outbox claims and pace: a claim token per claimed row, throttle counts, cancellation, the shared
per-tenant send pace; indexes for the retention job, for the directory's case-insensitive AAD lookup and
for a tenant's latest service URL

Revision ID: 0007_outbox_claims
Revises: 0006_survey
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_outbox_claims'
down_revision = '0006_survey'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('throttled', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_outbox_sent', ['status', 'sent_at'], unique=False)
    # The default only fills existing rows; the model has none, so the schema matches it afterwards.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('throttled', server_default=None)

    op.create_table('outbox_tenant_pace',
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('next_slot', sa.Float(), nullable=False),
    sa.Column('paused_until', sa.Float(), nullable=False),
    sa.Column('throttled', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id')
    )

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_lower_aad_object_id', [sa.text('lower(aad_object_id)')], unique=False)
        batch_op.create_index('ix_person_tenant_last_seen', ['tenant_id', 'last_seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_tenant_last_seen')
        batch_op.drop_index('ix_person_lower_aad_object_id')

    op.drop_table('outbox_tenant_pace')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sent')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('throttled')
        batch_op.drop_column('claim_token')
