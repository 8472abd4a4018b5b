"""The demo clinic opened from the first-start wizard: the same one `cunyi demo` makes
(app/services/demo.py, login demo / demo1234), kept in its own folder beside the real data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_RESIDENTS = 120  # enough to practise with, quick to make on an old laptop


def open_or_create_demo(root: Path, count: int = DEMO_RESIDENTS) -> Any:
    """Returns an open Store of the demo clinic under `root / "demo"`, made on first use."""
    from app.paths import demo_dir
    from app.services import demo
    from app.store import Store

    folder = demo_dir(root)
    if not Store.exists(folder):
        demo.create(folder, residents=count)
    return Store.open(folder, demo.USER, demo.PASSWORD)
