"""Private folders a backup is unpacked into (to check or restore it), and the removal of those
a killed process left behind. Apart from app.services.backup so that opening a store, which
cleans up first, does not depend on the backup service."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.filelock import lock

VERIFY_PREFIX, RESTORE_PREFIX = ".cunyi-verify-", ".restore-"
_IN_USE = ".in-use"


@contextmanager
def staging(parent: Path, prefix: str) -> Iterator[Path]:
    """A private folder to unpack a backup into, removed when done. Its owner holds a lock on a
    marker inside, so one left behind by a killed process is known to be dead and is removed
    at the next start (clean_stale_stages): a decrypted key file must not lie around."""
    stage = Path(parent) / f"{prefix}{secrets.token_hex(4)}"
    stage.mkdir(mode=0o700)
    fd = os.open(stage / _IN_USE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        lock(fd)
        yield stage
    finally:
        os.close(fd)
        shutil.rmtree(stage, ignore_errors=True)


def clean_stale_stages(folder: Path) -> int:
    """Remove the staging folders of restores and checks that were killed; returns how many."""
    removed = 0
    for stage in [*Path(folder).glob(RESTORE_PREFIX + "*"), *Path(folder).glob(VERIFY_PREFIX + "*")]:
        if not stage.is_dir():
            continue
        try:
            fd = os.open(stage / _IN_USE, os.O_RDWR)
        except FileNotFoundError:
            fd = None  # killed before the marker was made
        except OSError:
            continue
        try:
            if fd is not None and not lock(fd, wait=False):
                continue  # a restore or check running now
        finally:
            if fd is not None:
                os.close(fd)
        shutil.rmtree(stage, ignore_errors=True)
        removed += 1
    return removed
