"""revisions: corrections to a job's notes, and the revision each artifact belongs to

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'revisions',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('job_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('edits', sa.JSON(), nullable=False),
        sa.Column('note_count', sa.Integer(), nullable=True),
        sa.Column('claim', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_revisions_job_id_jobs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
        sa.UniqueConstraint('job_id', 'number', name='uq_revisions_job_id_number'),
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_status'), ['status'], unique=False)
    with op.batch_alter_table('artifacts', schema=None) as batch_op:  # every existing file is an original's
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    # the files of revisions stay in storage under their job's folder and go with the job
    op.execute("DELETE FROM artifacts WHERE revision > 0")
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.drop_column('revision')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_status'))
        batch_op.drop_index(batch_op.f('ix_revisions_job_id'))
    op.drop_table('revisions')
