"""Exclusive locks on a file between processes (POSIX flock, Windows msvcrt), for the key file's
writers, the single sync run and the staging folders of a restore. The lock goes with the file
descriptor: a killed process releases it."""

from __future__ import annotations

import sys


def lock(fd: int, *, wait: bool = True) -> bool:
    """Take the lock on `fd`; with wait=False return False at once if another process holds it."""
    try:
        if sys.platform == "win32":  # (spelt so for mypy, which then checks only one branch)
            import msvcrt

            # LK_LOCK retries for about 10 s, then raises OSError.
            msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        if wait:
            raise
        return False
    return True
