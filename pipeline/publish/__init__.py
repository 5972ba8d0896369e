"""Publish: stage, checksum and move a validated release into place, with its data package and dictionary."""
