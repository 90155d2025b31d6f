"""Bytes to text, the way a browser would, and never an exception.

Order: byte-order mark → the HTTP Content-Type charset → <meta charset> / XML declaration →
detection. Two corrections on top of that order, both for mistakes seen on real sites:
a page declared as a Latin-1 family charset that is valid UTF-8 is UTF-8 (a CMS template
that never updated its header), and an encoding Python does not know is skipped rather
than trusted. Input is capped first, so a multi-megabyte page costs bounded time.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

# The largest news page of the ScrapingHub set is 1.5 MB; 5 MB keeps every real article
# and bounds the worst case of lxml and trafilatura (their time grows with the input).
MAX_INPUT_BYTES = 5_000_000
# UTF-8 is tried first when nothing is declared and when one of these is: UTF-8 bytes are
# often mislabelled as Latin-1 family, and valid UTF-8 is almost never anything else.
_UTF8_SUSPECTS = frozenset({"utf-8", "cp1252", "iso8859-1", "iso8859-15", "ascii", "cp1258"})
_DETECT_WINDOW = 20_000  # detection on a prefix: enough for a verdict, bounded cost
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # below " ", less \t \n \r \f


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cap may cut a multi-byte character in two: that alone is not a reason to distrust.
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8", "replace")
        return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken sequences (a truncated letter, a stray byte), as a browser
    shows it: replaced, not the whole page re-read as another code page by the detector."""
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    letters = sum(1 for ch in text if ch > "\x7f") - broken
    return text if letters >= 20 * broken else None


def _detect(data: bytes) -> str | None:
    best = from_bytes(data[:_DETECT_WINDOW]).best()
    return best.encoding if best is not None else None


def decode_html(data: str | bytes, content_type: str | None = None) -> str:
    """The page as text, capped to ``MAX_INPUT_BYTES``. Undecodable bytes become U+FFFD."""
    if isinstance(data, str):
        return data[:MAX_INPUT_BYTES]
    data = data[:MAX_INPUT_BYTES]
    bom_encoding, bom = read_bom(data)
    if bom_encoding is not None and bom is not None:
        return to_unicode(data[len(bom):], bom_encoding)
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(data)
    encoding = resolve_encoding(declared) if declared else None
    if encoding is None or encoding in _UTF8_SUSPECTS:
        text = _utf8(data)
        if text is not None:
            return text
    if encoding is None or encoding == "utf-8":  # undeclared, or declared UTF-8 but is not
        text = _mostly_utf8(data)
        if text is not None:
            return text
        encoding = _detect(data) or "utf-8"
    try:
        return to_unicode(data, encoding)
    except LookupError:  # a detector's name Python lacks (e.g. VISCII on some builds)
        return data.decode("utf-8", "replace")


def looks_binary(text: str) -> bool:
    """True for images, PDFs or compressed bodies served as HTML: no article in them."""
    head = text[:4096]
    if not head:
        return True
    controls = len(_CONTROL_CHARS.findall(head))
    return controls + head.count("\ufffd") > len(head) // 10
