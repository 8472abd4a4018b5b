"""The packaged desktop client's main script (PyInstaller): `cunyi-desktop`."""

import multiprocessing

from ui.launch import run

if __name__ == "__main__":
    # An import prepares rows in spawned worker processes (app/services/prep_pool.py); in a frozen
    # program they start this executable again, and freeze_support runs the worker instead.
    multiprocessing.freeze_support()
    run()
