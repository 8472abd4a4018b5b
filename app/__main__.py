"""`python -m app` behaves like the `cunyi` command."""

from app.cli.main import main

raise SystemExit(main())
