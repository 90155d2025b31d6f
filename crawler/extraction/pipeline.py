"""``extract()``: one HTML page in, one clean article (or None) out. No Scrapy here.

decode → parse → pre-clean (profile boilerplate nodes, site hook) → trafilatura →
post-clean lines → decide "article or not" → metadata (title, people, dates, language …).
The whole call runs under a hard time limit (:mod:`crawler.extraction.timelimit`).
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from crawler.config import EXTRACT_TIMEOUT
from crawler.extraction import (
    clean,
    dates,
    headlines,
    metadata,
    people,
    structure,
    verdict,
    zones,
)
from crawler.extraction.decode import decode_html, looks_binary
from crawler.extraction.exceptions import ExtractionTimeout
from crawler.extraction.floor import (
    PROFILE_OPTIONS,
    SECOND_OPINION_CHARS,
    floor,
    general_reading,
    line_key,
    trafilatura_text,
    within,
)
from crawler.extraction.floor import settled as floor_settled
from crawler.extraction.page import Page
from crawler.extraction.page_kind import shipped_model
from crawler.extraction.profiles import Sites, profile_for
from crawler.extraction.registry import SiteRules, rules_for
from crawler.extraction.timelimit import call_with_time_limit
from crawler.items import ExtractedArticle
from crawler.sites import SiteProfile

# Bump when the output for the same page changes, so stored articles can be re-extracted.
EXTRACTOR_VERSION = "6"
# Scripts (but JSON-LD, which the metadata reads) and style sheets: never text, and dropped by
# every reader anyway (trafilatura's cleaning, readability, jusText). Dropped once up front,
# they no longer weigh on each deep copy and text scan of both trafilatura runs (3% of the
# extraction's time on the news pages of bench/throughput.py).
_CODE = XPath('//script[not(contains(translate(@type, "LDJSON", "ldjson"), "ld+json"))]|//style')


@dataclass(frozen=True)
class Signals:
    """What the article verdict weighed: the page's structure and text as numbers, the rules'
    reason (None: they found an article) and the page-kind model's probability."""

    features: dict[str, float]
    rule: str | None
    probability: float | None


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract_with_report` found. ``fallback`` says why the profile's result was
    replaced by or merged with the general one (None: it was not): ``"no text"`` (the profile
    left nothing), ``"short"`` (under ``FLOOR_SHARE`` of the general text), ``"opening"`` (the
    general result's opening paragraphs were missing and were put first). The spider counts it
    as ``crawler/sites/<key>/extraction_fallback``. ``no_article``: why ``article`` is None.
    ``signals``: what the verdict weighed, for benchmarks and explanations."""

    article: ExtractedArticle | None
    fallback: str | None = None
    no_article: str | None = None
    signals: Signals | None = None


def parse_page(markup: str) -> HtmlElement | None:
    """The page's tree as extraction reads it (trafilatura's own loader: the tree plain
    trafilatura sees); None when there is no document. A caller that reads the page too (link
    discovery) parses once with this and passes the tree to :func:`extract_with_report`,
    which then owns it: pre-cleaning removes nodes from it."""
    tree: HtmlElement | None = load_html(markup)
    return tree


def extract(
    html: str | bytes,
    url: str,
    site: SiteProfile | None = None,
    *,
    sites: Sites | None = None,
    content_type: str | None = None,
    timeout: float | None = EXTRACT_TIMEOUT,  # crawler/config.py says why
) -> ExtractedArticle | None:
    """The article on the page, or None when there is none (a listing, too little text).

    ``site`` defaults to the profile owning the URL's domain among ``sites`` (default: the
    profiles in ``Config.from_env().sites_dir``); without one, the generic path runs.
    ``content_type`` is the HTTP header, for its charset. Raises :class:`ExtractionTimeout`
    after ``timeout`` seconds (None: no limit), so the caller can count timeouts apart from
    pages without an article.
    """
    return extract_with_report(html, url, site, sites=sites, content_type=content_type,
                               timeout=timeout).article


def extract_with_report(
    html: str | bytes | HtmlElement,
    url: str,
    site: SiteProfile | None = None,
    *,
    sites: Sites | None = None,
    content_type: str | None = None,
    timeout: float | None = EXTRACT_TIMEOUT,  # crawler/config.py says why
) -> Extraction:
    """:func:`extract`, with whether the profile's result fell back to the general one."""
    try:
        urlsplit(url).port  # noqa: B018 - raises on "http://[" or a port like ":x"
    except ValueError:  # a URL no parser reads (an old stored row): a page without one
        url = ""
    # Outside the limit: cached after the first call, and an interrupt must not land in a
    # half-loaded profile directory or language model.
    if site is None:
        site = profile_for(url, sites)
    rules = rules_for(url)
    metadata.warm_up()
    finished, result = call_with_time_limit(
        lambda: _extract(html, url, site, rules, content_type), timeout)
    if not finished:
        raise ExtractionTimeout(url, timeout or 0.0)
    return result if result is not None else Extraction(None, no_article="no page")


def _extract(html: str | bytes | HtmlElement, url: str, site: SiteProfile | None,
             rules: SiteRules, content_type: str | None) -> Extraction | None:
    if isinstance(html, HtmlElement):
        tree: HtmlElement | None = html
    else:
        markup = decode_html(html, content_type)
        if looks_binary(markup):
            return None
        tree = parse_page(markup)
    if tree is None:
        return None
    code = _CODE(tree)
    for element in code:
        element.drop_tree()  # its tail text stays; the element lives on for hydration data
    page = Page(url, tree, site)
    shape = structure.measure(page)  # on the intact tree: pre-cleaning changes it
    # Read before pre-cleaning, which may remove the blocks these point into.
    if site:
        page.remember(site.title_selectors + site.author_selectors + site.date_selectors
                      + site.tag_selectors)
    page.remember(rules.remember)
    related = headlines.related_headlines(page)
    anchors = headlines.anchor_texts(page)
    # The general result comes from the intact tree; the profile's from the pre-cleaned one,
    # read first: the general reading of its intact copy is needed only where the floor could
    # win (floor.settled), and most pages are read once.
    linked: list[str] = []
    unlinked: list[str] = []
    general_body: str | None = None
    if site:
        intact = Page(url, deepcopy(page.tree), site)
        clean.drop_boilerplate(page, linked, unlinked)
        rules.preclean(page)
        body = trafilatura_text(page, PROFILE_OPTIONS)
        if len(body) < SECOND_OPINION_CHARS or type(rules).preclean is not SiteRules.preclean:
            general_body, hydrated = general_reading(intact, code)
            body = general_body if hydrated and len(body) < verdict.MIN_PROSE_CHARS else body
    else:
        intact = page
        body = general_body = general_reading(page, code)[0]
    if not body and not general_body:
        return None
    title = metadata.title(page)
    authors, credits, named = people.find_people(page)
    description = metadata.description(page)

    def cleaned_lines(text: str) -> clean.Cleaned:
        # Profiled news sites print the lead (sapo) as the first paragraph, and the recorded
        # labels expect it; the generic path leaves it out, as the ScrapingHub truth does
        # (a standfirst there is not body text: −1.0 in F1 summed over its 181 pages).
        lead = clean.lead_paragraph(page, text.splitlines(), description) if site else None
        return clean.clean_lines(text, page, title, related, anchors, authors, lead)

    cleaned = cleaned_lines(body)
    fallback = None
    if site and (general_body is not None or not floor_settled(cleaned, unlinked, intact)):
        if general_body is None:
            general_body = general_reading(intact, code)[0]
        general = cleaned_lines(general_body)
        # What the profile's link blocks hold (related teasers, menus) is never content.
        general.lines = [x for x in general.lines if not within(line_key(x), linked)]
        cleaned, fallback = floor(cleaned, general)
    in_cards = structure.in_teasers(cleaned.lines, shape)
    evidence = verdict.no_article_reason(cleaned.judged, page, anchors, cleaned.date_lines,
                                         cleaned.link_chars, in_cards,
                                         cleaned.excerpt_chars)
    published = dates.published_candidates(page, rules.date_candidates(page))
    features = {**shape.features, **structure.text_features(
        cleaned.lines, shape, in_cards, evidence, len(authors), {c.source for c in published})}
    reason, probability = verdict.decide(evidence.reason, features, shipped_model())
    signals = Signals(features, evidence.reason, probability)
    if reason:
        return Extraction(None, fallback, reason, signals)
    text = "\n".join(cleaned.lines)
    credits += cleaned.credits
    article = ExtractedArticle(
        url=url,
        text=text,
        title=title,
        canonical_url=metadata.canonical_url(page),
        authors=authors or cleaned.signatures,
        source_credit=credits[0] if credits else None,
        language=metadata.language(text, page.declared_language, site.language if site else None),
        declared_language=page.declared_language,
        tags=metadata.tags(page),
        description=description,
        image=metadata.image(page),
        site=site.key if site else None,
        extractor_version=EXTRACTOR_VERSION,
    )
    zones.set_dates(page, article, published)
    rules.finish(page, article)
    # After the site's hook, which may set the credit line itself.
    article.organisations = people.organisations(
        [c for c in (article.source_credit, *credits) if c],
        [*people.jsonld_organisations(page), *named], article.authors, page)
    return Extraction(article, fallback, signals=signals)

