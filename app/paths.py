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
    user = personal_data_dir()
    if not machine_wide():
        return user
    # Windows, the clinics' platform: one folder for the machine (C:\ProgramData\Cunyi), so
    # every staff member's Windows account sees the clinic's records; the installer makes it and
    # lets only the program's users in (packaging/windows/cunyi.iss). Data a pre-release kept
    # per account is still found until the machine folder holds an installation.
    machine = machine_data_dir()
    if not has_installation(machine) and has_installation(user):
        return user
    return machine


def machine_wide() -> bool:
    return os.name == "nt"


def personal_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("Cunyi", "Cunyi", roaming=False))


def machine_data_dir() -> Path:
    return Path(platformdirs.site_data_dir("Cunyi", appauthor=False))


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
