"""`python -m ui` starts the desktop client."""

import sys

from ui.app import main

sys.exit(main())
