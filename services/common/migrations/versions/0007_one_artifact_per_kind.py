"""one file of each kind per job and revision: a revision's PDF is engraved by the API when first
asked for, and two requests at once must keep one row

Revision ID: 0007
Revises: 0006
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_artifacts_job_id_kind_revision', ['job_id', 'kind', 'revision'])


def downgrade() -> None:
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_artifacts_job_id_kind_revision', type_='unique')
