"""Cunyi's domain core: encrypted storage, residents, records, audit, services and the CLI.

Qt-free by design (a test enforces it) so it runs in workers, the CLI, the server and pytest.
"""
