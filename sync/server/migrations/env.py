"""Alembic environment of the county server; the connection is handed in by sync.server.db."""

from alembic import context

from sync.server.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
