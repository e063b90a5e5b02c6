"""Renown: privacy-first social influence scores and topics of expertise."""

__version__ = "0.1.0"
