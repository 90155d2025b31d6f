"""Clean article extraction: a pure function of (html, url, site profile).

>>> from crawler.extraction import extract
>>> article = extract(html_bytes, "https://dantri.com.vn/the-gioi/…-20160409101714155.htm")

See docs/extraction.md for the pipeline, the settings and the measurements behind them.
Nothing here imports Scrapy.
"""

from crawler.extraction.exceptions import ExtractionError, ExtractionTimeout
from crawler.extraction.floor import TRAFILATURA_OPTIONS
from crawler.extraction.pipeline import (
    EXTRACTOR_VERSION,
    Extraction,
    extract,
    extract_with_report,
    parse_page,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "TRAFILATURA_OPTIONS",
    "Extraction",
    "ExtractionError",
    "ExtractionTimeout",
    "extract",
    "extract_with_report",
    "parse_page",
]
