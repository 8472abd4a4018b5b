"""Use cases over the store: plain functions, first argument the Store, JSON-ready dicts."""
