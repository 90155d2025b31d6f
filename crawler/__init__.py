"""A focused news-archiving crawler."""

__version__ = "0.1.0"
