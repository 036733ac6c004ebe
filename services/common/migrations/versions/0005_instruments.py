"""instruments: what a job was asked to be, what a model and a training run are for

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COLUMNS = {'jobs': 'auto', 'models': 'ensemble', 'training_runs': 'ensemble'}


def upgrade() -> None:
    for table, default in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('instrument', sa.String(length=16), nullable=False, server_default=default))


def downgrade() -> None:
    for table in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('instrument')
