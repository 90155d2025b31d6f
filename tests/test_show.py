"""`crawler show ID|URL`: text, metadata, provenance, relevance and seed, versions with their
changes, duplicates and the near-duplicate cluster, the raw capture; on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.errors import CrawlerError
from crawler.read.show import show
from tests.search_archive import CHANGED_TEXT, DOCS, Archive, archive, cli, url_of  # noqa: F401


def test_show_by_id_has_everything(archive: Archive) -> None:  # noqa: F811
    report = show(archive.url, str(archive.ids["nhattri"]), archive.warc_dir)
    a = report.article
    assert (a["title"], a["site"], a["language"], a["seed"]) == (DOCS[1].title, "baoquocte",
                                                               "vi", "001")
    assert a["text"] == CHANGED_TEXT
    assert (a["found_via"], a["depth"], a["referrer"]) == ("feed", 1, "https://baoquocte.vn/rss")
    assert report.crawl_run is not None and report.crawl_run["trigger"] == "demo"
    assert report.seed_title  # from the project's manifest
    assert [v.version for v in report.versions] == [1, 2]
    changes = report.versions[1].changes
    assert changes is not None and changes["fields"] == ["text"]
    assert changes["text"]["diff"] == ["-" + DOCS[1].text, "+" + CHANGED_TEXT]
    for version in report.versions:
        capture = version.capture
        assert capture is not None and capture.found, capture
        assert (capture.status, capture.content_type) == (200, "text/html")
    assert report.urls == {url_of(DOCS[1]): "canonical",
                           url_of(DOCS[1]) + "?utm_source=rss": "variant"}


def test_show_by_any_url_and_the_cluster(archive: Archive) -> None:  # noqa: F811
    by_variant = show(archive.url, url_of(DOCS[0]) + "?utm_source=rss", archive.warc_dir)
    assert by_variant.article["id"] == archive.ids["danang"]
    # The tracking parameter is dropped by the canonical form even for a URL never fetched.
    by_canonical = show(archive.url, url_of(DOCS[0]) + "?utm_medium=email", archive.warc_dir)
    assert by_canonical.article["id"] == archive.ids["danang"]
    members = [(m["id"], m["duplicate_of"]) for m in by_variant.cluster]
    assert members == [(archive.ids["danang"], None), (archive.ids["copy"], archive.ids["danang"])]
    copy = show(archive.url, str(archive.ids["copy"]), archive.warc_dir)
    assert copy.article["duplicate_of"] == archive.ids["danang"]
    assert copy.cluster == by_variant.cluster


def test_a_missing_capture_is_reported_not_raised(archive: Archive, tmp_path: Path,  # noqa: F811
                                                  ) -> None:
    report = show(archive.url, str(archive.ids["dalat"]), tmp_path)  # no WARC files here
    capture = report.versions[0].capture
    assert capture is not None and not capture.found and capture.problem


@pytest.mark.parametrize("ident", ["99999", "https://dantri.com.vn/nowhere.htm", "not a url"])
def test_unknown_article_is_one_clear_error(archive: Archive, ident: str) -> None:  # noqa: F811
    with pytest.raises(CrawlerError, match="no article with"):
        show(archive.url, ident, archive.warc_dir)


def test_cli_text_and_json(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    env = {"CRAWLER_WARC_DIR": str(archive.warc_dir)}
    out = cli(["show", str(archive.ids["copy"])], archive.url, tmp_path, **env)
    assert out.returncode == 0, out.stderr
    for expected in ("Thủ tướng Nhật Bản tới Đà Nẵng", "closest seed", "000 —", "found via",
                     "feed at depth 1 from https://baoquocte.vn/rss", "Versions (1)",
                     "raw capture: crawl-", "HTTP 200, text/html", "Near-duplicate cluster",
                     "(this article)", "ngày 6/5",
                     # every credited organisation, and the date on the page's own clock
                     "TTXVN; AFP",
                     "2016-05-07 09:00 UTC (2016-05-07 16:00 +07:00, zone from page)"):
        assert expected in out.stdout, expected
    # The seed's terms the text matched; the fixture's stored scores are made up, so the score
    # the seeds give now is shown too.
    evidence = next(line for line in out.stdout.splitlines() if line.startswith("evidence"))
    assert "Shinzo Abe" in evidence and "(scored now: " in evidence, evidence
    changed = cli(["show", url_of(DOCS[1]), "--no-text"], archive.url, tmp_path, **env)
    assert "v2:" in changed.stdout and "text: +1 −1 paragraphs" in changed.stdout
    assert "Văn kiện sẽ được ký" in changed.stdout  # the diff line
    data = json.loads(cli(["show", str(archive.ids["nhattri"]), "--format", "json"],
                          archive.url, tmp_path, **env).stdout)
    assert data["article"]["id"] == archive.ids["nhattri"]
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["capture"]["found"] is True
    assert data["scored_now"] is not None and isinstance(data["evidence"], list)
    narrow = cli(["show", url_of(DOCS[1]), "--no-text"], archive.url, tmp_path,
                 COLUMNS="80", **env)  # fmt: skip
    # At 80 columns a long URL is folded onto the next lines, never cut with an ellipsis.
    url_rows = [line for line in narrow.stdout.splitlines()[:12] if "…" in line]
    assert url_rows == [] and url_of(DOCS[1]).split("/")[-1][-20:] in narrow.stdout.replace(
        "\n", "").replace(" ", "")
    missing = cli(["show", "424242"], archive.url, tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "no article with id 424242" in missing.stderr
