"""Where an installation keeps its files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DB_NAME = "cunyi.db"
KEYS_NAME = "keys.json"
KEYS_NEXT_NAME = "keys.next.json"  # a key change under way (app/services/rotation.py)
AUTH_STATE_NAME = "auth-state.json"
BACKUP_DIR = "backups"
DEMO_DIR = "demo"  # the practice clinic the desktop wizard opens, kept apart from the real data


def default_data_dir() -> Path:
    env = os.environ.get("CUNYI_DATA_DIR")
    if env:
        return Path(env)
    # Per Windows account; a clinic sharing one laptop shares one Windows login (see docs).
    return Path(platformdirs.user_data_dir("Cunyi", "Cunyi", roaming=False))


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def keys_path(data_dir: Path) -> Path:
    return data_dir / KEYS_NAME


def keys_next_path(data_dir: Path) -> Path:
    return data_dir / KEYS_NEXT_NAME


def demo_dir(data_dir: Path) -> Path:
    return data_dir / DEMO_DIR


def has_installation(data_dir: Path) -> bool:
    """A clinic was set up here (cheap: no database import, for the first window)."""
    return keys_path(data_dir).exists() or db_path(data_dir).exists()
