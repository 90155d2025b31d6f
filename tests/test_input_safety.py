"""Arbitrary input never raises: URL identity, date parsing, the search language, decoding and
extraction (property-based, hypothesis). Each property has a bounded number of examples and a
per-example deadline, so the whole file has a bound on its time.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import extract
from crawler.extraction.dateparse import parse_date, zone
from crawler.extraction.decode import decode_html
from crawler.store.urls import canonical_url, normalize_url, strip_tracking, url_key
from crawler.text.fulltext_forms import fts5_plan, tsquery
from crawler.text.search_syntax import QueryError, parse

BOUND = settings(
    max_examples=150, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow]
)

# URL-shaped text: real schemes, hosts (IDN, IP literals, ports), paths, queries and fragments,
# glued from pieces that are themselves arbitrary.
_piece = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
urls = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["http://[", "https://dantri.com.vn:x/a", "http://[::1", "https://a]b/",
                     "https://[]/", "http://:/", "https://dantri.com.vn:99999/"]),
    st.builds(
        lambda scheme, host, port, path, query, frag: f"{scheme}{host}{port}/{path}?{query}#{frag}",
        st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "//", "", "http:///"]),
        st.one_of(_piece, st.sampled_from(["dantri.com.vn", "www.15min.lt", "[::1]", "đà-nẵng.vn",
                                           "127.0.0.1", "xn--", "a..b", ""])),
        st.sampled_from(["", ":80", ":443", ":99999", ":x", ":"]),
        _piece,
        st.one_of(_piece, st.just("utm_source=fb&fbclid=1&amp=1&id=5&&=")),
        _piece,
    ),
)  # fmt: skip


@BOUND
@given(urls, st.one_of(st.none(), urls), st.lists(st.sampled_from(["dantri.com.vn", "", "x"])))
def test_url_identity_never_raises(fetched: str, declared: str | None, domains: list[str]) -> None:
    for result in (
        canonical_url(fetched, declared, domains),
        url_key(fetched, declared, domains),
        normalize_url(fetched),
        strip_tracking(fetched),
    ):
        assert isinstance(result, str)


dates = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda d, m, y, rest: f"{d}/{m}/{y}{rest}",
        st.integers(-5, 40), st.integers(-5, 15), st.integers(0, 99999), _piece,
    ),
    st.sampled_from(["Thứ Tư, 22/02/2023 08:30", "2018-09-12T25:61:00+07:00", "2014.04.01 23:05",
                     "Mon, 32 Jan 2019 10:00:00 +9999", "0000-00-00", "9" * 199]),
)  # fmt: skip


@BOUND
@given(dates, st.sampled_from(["UTC", "Asia/Ho_Chi_Minh", "Europe/Vilnius", "No/Such_Zone"]),
       st.lists(st.sampled_from(["%d/%m/%Y %H:%M", "%Y", "%", "%Q"]), max_size=2))  # fmt: skip
def test_date_parsing_never_raises(raw: str, tz_name: str, formats: list[str]) -> None:
    parsed = parse_date(raw, zone(tz_name), formats)
    if parsed is not None:
        assert parsed.value.tzinfo is not None


@BOUND
@given(st.text(max_size=120), st.frozensets(st.sampled_from(["vi", "lt", "en"])))
def test_query_parser_raises_only_its_one_line_error(text: str, languages: frozenset[str]) -> None:
    try:
        query = parse(text, languages)
    except QueryError as exc:
        assert "\n" not in str(exc)
        return
    fts5_plan(query)
    tsquery(query)


_tags = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<html>", "<body>", "<script>",
                         "<!--", "-->", "<meta charset=windows-1258>", "<title>", "<![CDATA[",
                         "&#0;", "&#xD800;", "&nbsp;", "\x00", "<a href='", "'>", "<table><tr>"])
html_soup = st.lists(st.one_of(_tags, st.text(max_size=40)), max_size=60).map("".join)


_content_types = st.one_of(st.none(), st.sampled_from(
    ["text/html; charset=windows-1257", "text/html; charset=nonsense", "text/html;;charset="]
))  # fmt: skip
_bodies = st.one_of(st.binary(max_size=4000), html_soup.map(lambda s: s.encode("utf-8", "replace")))


@settings(BOUND, max_examples=60, deadline=timedelta(seconds=5))
@given(_bodies, _content_types, urls)
def test_decoding_and_extraction_never_raise(
    body: bytes, content_type: str | None, url: str
) -> None:
    text = decode_html(body, content_type)
    assert isinstance(text, str)
    article = extract(body, url, content_type=content_type, timeout=5)
    if article is not None:
        assert unicodedata.is_normalized("NFC", article.text)


def test_mostly_utf8_with_broken_bytes_stays_utf8() -> None:
    page = ("<p>Rusija ir Japonija susitarė bendradarbiauti kovoje su terorizmu.</p>" * 5).encode()
    broken = page.replace(b". ", b". \xc4 \x80\xff ", 1) + b"\x00"
    assert "susitarė bendradarbiauti" in decode_html(broken, "text/html; charset=utf-8")
    assert "susitarė bendradarbiauti" in decode_html(broken, None)
