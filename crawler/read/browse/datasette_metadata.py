"""What Datasette shows: titles, column descriptions, facets, search, canned queries.

The ``v_*`` views (migration 0003, docs/schema.md) carry the readable column names; the
tables are described too, for those who go to the source. Canned queries take their
parameters from a form.
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape

# The index's rows are keyed by publication time and id, which v_articles has as search_key.
SEARCH = {"fts_table": "fts_articles", "fts_pk": "search_key"}

ARTICLE_COLUMNS = {
    "id": "The article's number in this archive (crawler show ID).",
    "title": "Headline as published.",
    "site": "The site's key (seeds/sites/<key>.toml).",
    "site_name": "The site's name.",
    "language": "ISO 639-1 code of the text: vi (Vietnamese), lt (Lithuanian).",
    "published": "Publication time, UTC.",
    "published_week": "Monday of the week of publication (UTC).",
    "seed": "The closest seed article (seeds/manifest.toml).",
    "relevance": "Similarity to the closest seed, 0 to 1.",
    "authors": "People credited, separated by '; ' (organisations are in organisations).",
    "organisations": "Organisations credited, separated by '; ': agencies (dpa, AFP, TTXVN) "
                     "and the publisher when it is named as the author.",
    "published_zone": "The clock the page's date is written in: Europe/Berlin, +07:00.",
    "published_zone_source": "Where that zone came from: date (its own offset), page (another "
                             "date on the page), profile, language (country or language), none.",
    "url": "The URL as last fetched.",
    "canonical_url": "The article's canonical URL as the page declares it (else the URL "
                     "fetched, tracking parameters removed): the one to open.",
    "url_key": "The article's identity for deduplication: its canonical URL normalised "
               "(https, no www., no tracking or AMP markers). Not meant to be opened.",
    "found_via": "How the crawl found it: seed, feed, sitemap, section, search, related, link.",
    "referrer": "The page whose link led to it.",
    "depth": "Links followed from a start page.",
    "version": "Current version (1: the text never changed).",
    "duplicate_of": "For a near-duplicate: the article it copies (its cluster's original).",
    "similarity": "Estimated text similarity to that article, 0 to 1.",
    "first_seen": "When the crawler first archived it, UTC.",
    "last_seen": "When the crawler last saw it, UTC.",
    "crawl_run": "The crawl run that archived it.",
    "description": "The summary the page declares.",
    "text": "The article's text, cleaned of page furniture.",
    "search_key": "The article's row in the full-text index (publication time and id).",
}

# The Articles page shows each text's first lines (plugins/archive.py); this page, linked from
# each row, the whole text. Datasette has no row page for a view.
ARTICLE_PAGE = "article"

QUERIES = {
    ARTICLE_PAGE: {
        "title": "One article, its full text",
        "description": "Every column of article N, the text whole.",
        "sql": "select * from v_articles where id = :id",
    },
    "related_to_seed": {
        "title": "Articles related to seed N",
        "description": "Originals (no near-duplicates) whose closest seed is N, newest first. "
        "Seeds: 000–004; leave the minimum relevance empty for all.",
        "sql": "select id, published, site, language, relevance, title, url from v_articles\n"
        "where seed = :seed and duplicate_of is null\n"
        "  and relevance >= cast(coalesce(nullif(:min_relevance, ''), '0') as real)\n"
        "order by published desc",
    },
    "seed_story": {
        "title": "The story of seed N: related articles per week per site",
        "sql": "select week, site, articles from v_seed_story where seed = :seed\n"
        "order by week, site",
    },
    "changed_articles": {
        "title": "Changed articles",
        "description": "Articles whose text or title changed after they were first archived.",
        "sql": "select id, title, site, versions, changed, changes, url from v_changed_articles\n"
        "order by changed desc",
    },
    "near_duplicates": {
        "title": "Near-duplicates",
        "description": "Articles that largely copy an earlier one, with the original.",
        "sql": "select * from v_near_duplicates order by similarity desc",
    },
    "last_runs": {
        "title": "The last crawl runs",
        "sql": "select id, started_at, finished_at, trigger, status, pages_fetched, "
        "articles_new, articles_updated, articles_duplicate, errors from crawl_runs\n"
        "order by id desc limit 20",
    },
}


def _column_descriptions() -> str:
    """The columns' meanings folded away: listed above the table, they pushed its rows off
    the first screen (Datasette prints a table's ``columns`` there)."""
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>"
                    for name, text in ARTICLE_COLUMNS.items())
    return (f"<details><summary>What each column means</summary>"
            f'<dl class="column-descriptions">{items}</dl></details>')


def _hidden() -> dict[str, Any]:
    return {"hidden": True}


METADATA: dict[str, Any] = {
    "title": "News archive",
    "description": "Articles related to the seed articles, archived by the focused crawler. "
    "Search without diacritics (Nhat Ban finds Nhật Bản); start with Articles.",
    "databases": {
        "archive": {
            "tables": {
                "v_articles": {
                    "title": "Articles",
                    "description_html": "<p>Every archived article with its site, seed, "
                    "relevance and provenance, near-duplicates included. Search titles and "
                    "texts; facet by site, language, seed. The text column shows each text's "
                    "beginning: its <em>full text</em> link opens the whole article.</p>"
                    + _column_descriptions(),
                    **SEARCH,
                    "facets": ["site", "language", "seed"],
                    "sort_desc": "published",
                    "label_column": "title",
                },
                "articles": {
                    "description": "The articles table itself (v_articles reads better and "
                    "has the search box).",
                    "facets": ["site_id", "language", "seed_id"],
                    "label_column": "title",
                },
                "v_article_versions": {
                    "title": "Versions",
                    "description": "Every version of every article, with what changed and "
                    "where its raw capture is (WARC file and offset).",
                    "facets": ["site"],
                },
                "v_changed_articles": {
                    "title": "Changed articles",
                    "description": "Articles with more than one version; changes of the last.",
                },
                "v_near_duplicates": {
                    "title": "Near-duplicates",
                    "description": "Articles that largely copy an earlier one.",
                },
                "v_seed_story": {
                    "title": "Seed stories",
                    "description": "Related articles (originals) per seed, site and week.",
                    "facets": ["seed", "site"],
                },
                "sites": {"label_column": "name"},
                "crawl_runs": {"sort_desc": "id", "description": "One row per crawl."},
                "article_urls": {"description": "Every URL an article is known under: "
                                 "canonical, variants, exact duplicates elsewhere."},
                "article_versions": {"sort_desc": "id"},
                "article_texts": _hidden(),
                "minhash_signatures": _hidden(),
                "minhash_bands": _hidden(),
                "alembic_version": _hidden(),
            },
            "queries": QUERIES,
        }
    },
}
