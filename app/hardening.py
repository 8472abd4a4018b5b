"""Process-wide protection of the health data a process opens: private files and folders, no core
dumps (a core file would hold the data key and decrypted pages)."""

from __future__ import annotations

import contextlib
import ctypes
import os
from pathlib import Path

PR_SET_DUMPABLE = 4


def harden_process() -> None:
    """Called first by every entry point (CLI, desktop client). On Windows the installer's ACL
    on the data folder does this job (see packaging)."""
    if os.name == "nt":
        return
    os.umask(0o077)  # every file and folder this process creates is its user's alone
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):
        # Also no dump through a crash handler or another process of the same user (ptrace).
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


# SQLCipher's memory security (every freed buffer wiped, pages locked out of swap) for the
# engines this process makes from now on (read by app/db/engine.py). The desktop client turns it
# on (ui/launch.py): its hot path, search, costs the same with it (bench_store: x1.00 p95 at 50,000
# residents), and it holds the data key all day. The command line leaves it off: the setting is
# global to SQLCipher in the process and slows batch writes (a registration's p95 7.6 -> 12.6 ms,
# one-by-one adds 469 -> 159/s, imports likewise), which a CLI import or a bench pays in full
# (issue 12).
memory_security = False


def protect_key_memory() -> None:
    """For the desktop client: SQLCipher wipes freed buffers. Only a flag here: the database
    layer (SQLAlchemy, 0.5 s of imports) is not loaded before the first window shows."""
    global memory_security
    memory_security = True


def secure_tree(data_dir: Path) -> None:
    """Folder 0700 and every file in it 0600: installations made before the umask above, or
    files copied in by hand, are made private when they are opened."""
    if os.name == "nt":
        return
    data_dir = Path(data_dir)
    for folder, dirs, files in os.walk(data_dir):
        _chmod(Path(folder), 0o700)
        for name in files:
            _chmod(Path(folder) / name, 0o600)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.is_symlink() or (path.stat().st_mode & 0o777) == mode:
            return
        path.chmod(mode)
    except OSError:  # a file of another owner: reported by `cunyi check`, not fatal here
        pass
