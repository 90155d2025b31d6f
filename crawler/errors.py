"""Errors the user sees as one clear line (the CLI prints them without a traceback)."""


class CrawlerError(Exception):
    """Base of every error meant for the operator, not for a traceback."""


class ConfigError(CrawlerError):
    """A setting, seed manifest or site profile is missing or malformed."""


class ArchiveNotReady(CrawlerError):
    """The archive database does not exist or is not migrated to the code's schema."""


class ExportError(CrawlerError):
    """An export cannot be written where or how it was asked."""
