"""The `cunyi` command. Each module here that defines `register(subparsers)` adds its commands."""
