"""The errors extraction raises. A caller counts them; none is meant for the operator."""

from __future__ import annotations


class ExtractionError(Exception):
    """Extraction of one page failed for a reason worth counting."""


class ExtractionTimeout(ExtractionError):
    """The page took longer than the time limit; the work on it was abandoned."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(f"extraction of {url} exceeded {seconds:g} s")
        self.url = url
        self.seconds = seconds
