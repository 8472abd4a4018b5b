"""`python -m ui` starts the desktop client."""

import sys

from app.hardening import harden_process
from ui.app import main

harden_process()

sys.exit(main())
