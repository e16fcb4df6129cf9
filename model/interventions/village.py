"""Placeholder: instruments of this family are being written."""
