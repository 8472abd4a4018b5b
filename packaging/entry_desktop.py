"""The packaged program's main script (PyInstaller): `cunyi-desktop`, and on Linux also `cunyi`
(a link to it: started by that name it is the command line)."""

import multiprocessing
import sys
from pathlib import Path

if __name__ == "__main__":
    # An import prepares rows in spawned worker processes (app/services/prep_pool.py); in a frozen
    # program they start this executable again, and freeze_support runs the worker instead.
    multiprocessing.freeze_support()
    if Path(sys.argv[0]).stem == "cunyi":
        from app.cli.main import main

        raise SystemExit(main())
    from ui.launch import run

    run()
