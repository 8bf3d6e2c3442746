"""polls: self-hosted live audience polling and feedback."""

__version__ = "0.1.0"
