"""`python -m app` behaves like the `cunyi` command."""

import multiprocessing

from app.cli.main import main

# An import prepares rows in spawned worker processes (app/services/prep_pool.py); each of them
# imports this module again, so it must not run the command there.
if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
