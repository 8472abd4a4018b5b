"""The county server: FastAPI app, its own database (PostgreSQL or SQLite) and admin commands.

Imports only `forms` and `sync.protocol`/`sync.merge`; never `app` (DESIGN.md: imports run one way).
"""
