"""Sync with the county server: wire protocol, merge, client and the county server itself."""
