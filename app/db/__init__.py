"""The encrypted database: engine, tables, migrations."""
