"""One module per standard form; importing this package registers them all."""
