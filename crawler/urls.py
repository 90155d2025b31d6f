"""URL identity: one canonical form per article URL.

Tracking parameters, fragments and the declared rel=canonical are handled here; the full
variant handling (AMP and mobile hosts, recorded variants) grows here too.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga", "cf", "zarsrc")


def _is_tracking(name: str) -> bool:
    return any(name == p or (p.endswith("_") and name.startswith(p)) for p in TRACKING_PARAMS)


def strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return urlunsplit(parts._replace(fragment=""))
    names = [kv.split("=", 1)[0] for kv in parts.query.split("&") if kv]
    keep = [n for n in names if not _is_tracking(n)]
    cleaned = (
        url_query_cleaner(url, keep, keep_fragments=False)
        if keep
        else urlunsplit(parts._replace(query="", fragment=""))
    )
    return cleaned


def canonical_url(fetched_url: str, declared: str | None = None) -> str:
    """The article's identity: its declared canonical when it stays on the same site."""
    candidate = fetched_url
    if declared:
        fetched_host = (urlsplit(fetched_url).hostname or "").removeprefix("www.")
        declared_host = (urlsplit(declared).hostname or "").removeprefix("www.")
        same_site = (
            declared_host == fetched_host
            or fetched_host.endswith("." + declared_host)
            or declared_host.endswith("." + fetched_host)
        )
        if same_site:
            candidate = declared
    return canonicalize_url(strip_tracking(candidate), keep_fragments=False)
