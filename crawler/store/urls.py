"""URL identity: one key per article, whatever URL it was reached by, and the article's real
canonical URL beside it.

The rules (docs/dedup.md has the table):

1. A declared canonical (rel=canonical, og:url; extraction picks it) wins when it stays on the
   same site: the same registrable host, a subdomain of it, or another domain of the same site
   profile (baothuathienhue.vn → huengaynay.vn). A canonical pointing to another site is a
   syndication credit, not an identity; one pointing to the home page is a CMS default, ignored.
2. Tracking parameters (utm_*, fbclid, …) and AMP/mobile markers are dropped: the ``amp.``,
   ``m.`` and ``mobile.`` hosts, ``/amp/`` path segments, ``.amp.html``, ``?amp=1``,
   ``?outputType=amp``, and baoquocte's ``…html&mobile=yes&amp=1`` written into the path.
3. The fragment goes, the scheme becomes https, ``www.`` goes, and w3lib orders the query and
   normalises percent-encoding.

The result of all three is the identity key (``articles.url_key``): it decides what is one
article, and is not meant to be opened (https forced, ``www.`` dropped). The archive shows the
page's real canonical URL (``articles.canonical_url``): the declared canonical that rule 1
accepts, else the URL as fetched without tracking parameters, so a reader can click it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler.sites import host_of

TRACKING_PARAMS = (
    "utm_",
    "fbclid",
    "gclid",
    "dclid",
    "yclid",
    "msclkid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "cf",  # 15min.lt: ?cf=df / ?cf=vl mark the page block a link came from
    "zarsrc",
    "ref_src",
)
# Query parameters that select the AMP or mobile rendering of the same article.
_AMP_PARAMS = {"amp": None, "outputtype": {"amp"}, "mobile": {"yes", "1", "true"}}
_RENDERING_HOST_LABELS = ("amp", "m", "mobile")  # hosts of an AMP or mobile rendering
_VARIANT_HOST_LABELS = ("www", *_RENDERING_HOST_LABELS)
_AMP_SEGMENT = "amp"


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return any(name == p or (p.endswith("_") and name.startswith(p)) for p in TRACKING_PARAMS)


def _is_amp_param(name: str, value: str) -> bool:
    allowed = _AMP_PARAMS.get(name.lower(), ())
    return allowed is None or value.lower() in (allowed or ())


def _keep_param(name: str, value: str) -> bool:
    return not (_is_tracking(name) or _is_amp_param(name, value))


def strip_tracking(url: str) -> str:
    """The URL without tracking parameters and fragment (AMP markers stay)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[": nothing to strip from text no parser reads as a URL
        return url
    pairs = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs), fragment=""))


def site_host(host: str) -> str:
    """The host without www./amp./m./mobile. prefixes: the site an URL belongs to."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in _VARIANT_HOST_LABELS:
        labels = labels[1:]
    return ".".join(labels)


def _strip_amp_path(path: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove AMP markers from a path; parameters written into it (``&a=b``) are returned."""
    params: list[tuple[str, str]] = []
    if "&" in path:
        head, _, tail = path.partition("&")
        pairs = parse_qsl(tail, keep_blank_values=True)
        if pairs and all("=" in p for p in tail.split("&")):
            path, params = head, pairs
    segments = path.split("/")
    if len(segments) > 2 and segments[1] == _AMP_SEGMENT:
        del segments[1]  # /amp/slug.html
    if len(segments) > 2 and segments[-1] == _AMP_SEGMENT:
        segments.pop()  # /slug/amp
    elif len(segments) > 3 and segments[-1] == "" and segments[-2] == _AMP_SEGMENT:
        del segments[-2]  # /slug/amp/
    last = segments[-1]
    for suffix in (".amp.html", ".amp.htm", ".amp"):
        if last.endswith(suffix):
            segments[-1] = last[: -len(suffix)] + suffix[len(".amp") :]
            break
    return "/".join(segments), params


def normalize_url(url: str) -> str:
    """Rules 2 and 3 on one URL: the form every variant of it shares.

    Text no URL parser accepts (a bad IPv6 bracket or port in a page's canonical link, which
    is its author's free text) is returned stripped: an identity of its own, never an error.
    """
    try:
        return _normalize(url)
    except ValueError:
        return url.strip()


def _normalize(url: str) -> str:
    parts = urlsplit(url.strip())
    path, path_params = _strip_amp_path(parts.path or "/")
    query = parse_qsl(parts.query, keep_blank_values=True) + path_params
    kept = [(k, v) for k, v in query if _keep_param(k, v)]
    host = site_host(parts.hostname or "")
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    cleaned = urlunsplit(("https", netloc, path or "/", urlencode(kept), ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def _same_site(a: str, b: str, site_domains: Iterable[str]) -> bool:
    host_a, host_b = site_host(host_of(a)), site_host(host_of(b))
    if not host_a or not host_b:  # no host, or unparseable: no evidence of one site
        return False
    if host_a == host_b or host_a.endswith("." + host_b) or host_b.endswith("." + host_a):
        return True
    domains = [site_host(d) for d in site_domains]

    def owned(host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in domains)

    return owned(host_a) and owned(host_b)


def _identity_source(fetched_url: str, declared: str | None, site_domains: Iterable[str]) -> str:
    """Rule 1: the declared canonical when it names this article, else the fetched URL."""
    if declared and declared.startswith(("http://", "https://")):
        domains = tuple(site_domains)
        try:
            is_home = urlsplit(declared).path.strip("/") == ""
            fetched_is_home = urlsplit(fetched_url).path.strip("/") == ""
        except ValueError:  # a canonical link no URL parser reads ("http://[") is ignored
            return fetched_url
        if _same_site(fetched_url, declared, domains) and (fetched_is_home or not is_home):
            return declared
    return fetched_url


def url_key(fetched_url: str, declared: str | None = None, site_domains: Iterable[str] = ()) -> str:
    """The article's identity key (see the module's rules)."""
    return normalize_url(_identity_source(fetched_url, declared, site_domains))


def url_identity(
    fetched_url: str, declared: str | None = None, site_domains: Iterable[str] = ()
) -> tuple[str, str]:
    """The article's :func:`url_key` and :func:`canonical_url`, rule 1 applied once."""
    source = _identity_source(fetched_url, declared, site_domains)
    key, shown = normalize_url(source), strip_tracking(source.strip())
    return key, shown if normalize_url(shown) == key else key


def canonical_url(
    fetched_url: str, declared: str | None = None, site_domains: Iterable[str] = ()
) -> str:
    """The article's real canonical URL, one a browser opens: the declared canonical rule 1
    accepts, else the fetched URL without tracking parameters or fragment. Its
    :func:`normalize_url` is the article's :func:`url_key`, always: so one canonical URL never
    names two articles, and ``articles.canonical_url`` can stay unique."""
    return url_identity(fetched_url, declared, site_domains)[1]


def is_alternate_rendering(url: str) -> bool:
    """An AMP or mobile rendering (``amp.``/``m.`` host, ``/amp/`` path, ``?amp=1``): a URL
    that names an article but is not the one to show for it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").split(".")
    if len(host) > 2 and host[0] in _RENDERING_HOST_LABELS:
        return True
    path, in_path = _strip_amp_path(parts.path or "/")
    query = parse_qsl(parts.query, keep_blank_values=True) + in_path
    return path != (parts.path or "/") or any(_is_amp_param(k, v) for k, v in query)
