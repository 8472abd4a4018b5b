"""`cunyi county …` (the county server's admin commands live in sync.server.cli)."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    # Imported here so the desktop CLI starts without the server extra installed.
    try:
        from sync.server.cli import register as register_county
    except ImportError:  # FastAPI/uvicorn missing: the server extra is not installed
        return
    register_county(subparsers)
