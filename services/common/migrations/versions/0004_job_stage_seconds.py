"""job stage seconds as columns (for /metrics by SQL aggregates) instead of a JSON of timings

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STAGES = ('decoding', 'transcribing', 'notation')
jobs = sa.table('jobs', sa.column('id', sa.Uuid()), sa.column('timings', sa.JSON()), sa.column('started_at', sa.DateTime()),
                sa.column('finished_at', sa.DateTime()), sa.column('status', sa.String()),
                *[sa.column(f'{s}_s', sa.Float()) for s in (*STAGES, 'run')])


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        for name in (*STAGES, 'run'):
            batch_op.add_column(sa.Column(f'{name}_s', sa.Float(), nullable=True))
    conn = op.get_bind()
    for id_, timings, started, finished, status in conn.execute(
            sa.select(jobs.c.id, jobs.c.timings, jobs.c.started_at, jobs.c.finished_at, jobs.c.status)).all():
        values = {f'{s}_s': (timings or {}).get(s) for s in STAGES}
        if status == 'succeeded' and started and finished:
            values['run_s'] = (finished - started).total_seconds()
        conn.execute(sa.update(jobs).where(jobs.c.id == id_).values(**values))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('timings')


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timings', sa.JSON(), nullable=True))
    conn = op.get_bind()
    for row in conn.execute(sa.select(jobs.c.id, *[jobs.c[f'{s}_s'] for s in STAGES])).all():
        timings = {s: v for s, v in zip(STAGES, row[1:]) if v is not None}
        conn.execute(sa.update(jobs).where(jobs.c.id == row[0]).values(timings=timings))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.alter_column('timings', existing_type=sa.JSON(), nullable=False)
        for name in (*STAGES, 'run'):
            batch_op.drop_column(f'{name}_s')
