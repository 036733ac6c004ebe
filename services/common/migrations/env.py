"""Alembic environment: the service settings give the URL; batch mode lets SQLite alter tables."""

from alembic import context

from services.common.db import get_engine
from services.common.models import Base

with get_engine().connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
