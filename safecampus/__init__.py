"""safecampus — 平安校园: campus safety management."""

__version__ = "0.1.0"
