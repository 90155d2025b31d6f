"""Every site profile against its recorded pages (Fundus-style: a site without pages fails).

Extraction is a pure function, so these run without a crawler: the recorded page is read as
the replay handler would serve it and passed to `extract()`.
"""

from __future__ import annotations

import pickle
import unicodedata

import pytest

from crawler.config import Config
from crawler.extraction import extract
from crawler.recorded_web.replay import RecordedWeb
from crawler.sites import SiteProfile, load_sites
from tests.conftest import WEB_DIR
from tests.labels import Label, load_labels

LABELS = load_labels()
SITES = load_sites(Config.from_env().sites_dir)
WEB = RecordedWeb(WEB_DIR)


@pytest.mark.parametrize("site", sorted(SITES.values(), key=lambda s: s.key), ids=lambda s: s.key)
def test_site_has_recorded_pages_and_labels(site: SiteProfile) -> None:
    labelled = [label for label in LABELS if label.site == site.key]
    assert len(labelled) >= 15, f"{site.key}: {len(labelled)} labelled articles, need 15"
    assert sum(label.related for label in labelled) >= 8
    assert any(label.is_seed for label in labelled), f"{site.key}: the seed article is not recorded"
    for label in labelled:
        assert site.is_article_url(label.url), f"{site.key}: pattern misses {label.url}"
        assert WEB.get(label.url).status == 200, f"{site.key}: no recorded page for {label.url}"
    for url in (*site.feeds, *site.sitemaps, *site.start_points()):
        assert not site.is_article_url(url), f"{site.key}: listing {url} looks like an article"


@pytest.mark.parametrize("label", LABELS, ids=lambda label: f"{label.site}:{label.url[-50:]}")
def test_recorded_article_extracts_as_labelled(label: Label) -> None:
    recorded = WEB.get(label.url)
    article = extract(recorded.body, label.url, content_type=recorded.headers.get("Content-Type"))
    assert article is not None
    assert article.title == label.title
    assert article.language == label.language
    if label.published is not None:
        assert article.published_at == label.published
        assert article.published_at is not None and article.published_at.tzinfo is not None
    assert sorted(article.authors) == sorted(label.authors)
    text = article.text
    assert unicodedata.is_normalized("NFC", text)
    assert text.startswith(label.first_sentence), text[:200]
    assert text.rstrip().endswith(label.last_sentence), text[-200:]
    leaked = [b for b in label.boilerplate if b in text]
    assert not leaked, f"boilerplate in archived text: {leaked}"


def test_a_profile_crosses_to_a_worker_with_its_fields_not_its_caches() -> None:
    """Every page sent to an extraction worker carries its profile: the compiled patterns and
    the remembered hosts stay behind, and the copy judges URLs as the original does."""
    site = SITES["dantri"]
    urls = ["https://dantri.com.vn/the-gioi/a-20240101.htm", "https://m.dantri.com.vn/x",
            "https://example.com/dantri.com.vn", "http://[", "https://dantri.com.vn.evil.net/"]
    judged = [(site.owns(u), site.is_article_url(u)) for u in urls]
    copy = pickle.loads(pickle.dumps(site))
    assert copy == site
    assert not {"_hosts", "_article_res", "_exclude_res"} & set(copy.__dict__)
    assert [(copy.owns(u), copy.is_article_url(u)) for u in urls] == judged
    assert judged[0][0] and judged[1][0] and not judged[2][0] and not judged[4][0]
