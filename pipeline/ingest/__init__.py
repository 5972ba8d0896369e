"""Ingest: list the raw folder, read and decode each file, clean the text."""
