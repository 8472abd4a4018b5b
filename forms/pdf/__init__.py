"""Paper-equivalent PDFs of the standard forms, cards, covers and booklets (reportlab)."""
