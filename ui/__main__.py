"""`python -m ui` starts the desktop client (as `cunyi-desktop` does: ui/launch.py)."""

import sys

from ui.launch import desktop

sys.exit(desktop())
