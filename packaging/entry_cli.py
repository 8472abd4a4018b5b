"""The packaged command line's main script (PyInstaller): `cunyi`."""

import multiprocessing

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # import workers start this executable again (prep_pool)
    raise SystemExit(main())
