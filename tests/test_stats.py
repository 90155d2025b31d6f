"""`crawler stats`: counts per site, language, seed and week, the relevance histogram, the
last runs, and each seed's story (terminal, HTML, SVG); on both backends."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from crawler.read.query import Filters
from crawler.read.stats import stats
from tests.search_archive import Archive, archive, cli  # noqa: F401  (fixture)


def test_counts(archive: Archive) -> None:  # noqa: F811
    report = stats(archive.url)
    assert report.total == 6  # the near-duplicate copy is not counted twice
    assert dict(report.per_site) == {"dantri": 2, "baoquocte": 2, "15min": 2}
    assert dict(report.per_language) == {"vi": 4, "lt": 2}
    assert dict(report.per_seed) == {"000": 1, "001": 1, "002": 1, "003": 2, "004": 1}
    # Weeks start on Monday: 2016-05-07 was a Saturday, 2019-05-30 a Thursday.
    assert dict(report.per_week) == {"2013-10-28": 1, "2014-03-31": 1, "2016-05-02": 1,
                                     "2019-05-27": 1, "2020-03-02": 1}
    # 0.81 0.42 0.31 0.78 0.43 0.55: bins of 0.1
    assert report.relevance == [0, 0, 0, 1, 2, 1, 0, 1, 1, 0]
    assert [r.trigger for r in report.runs] == ["demo"]
    assert report.timeline["003"] == {"15min": {"2014-03-31": 1}}  # the undated one has no week
    assert report.timeline["000"] == {"dantri": {"2016-05-02": 1}}
    with_copies = stats(archive.url, Filters(include_duplicates=True))
    assert with_copies.timeline["000"] == {"dantri": {"2016-05-02": 1},
                                          "baoquocte": {"2016-05-02": 1}}


def test_filters_apply(archive: Archive) -> None:  # noqa: F811
    report = stats(archive.url, Filters(languages=("vi",), since="2016", until="2019"))
    assert report.total == 2
    assert dict(report.per_site) == {"dantri": 1, "baoquocte": 1}


def test_cli_terminal_html_svg_json(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    html = tmp_path / "story.html"
    out = cli(["stats", "--output", str(html)], archive.url, tmp_path)
    assert out.returncode == 0, out.stderr
    for expected in ("6 articles", "per site", "relevance", "last runs", "Each seed's story",
                     "seed 002", "one column a"):
        assert expected in out.stdout, expected
    assert "█" in out.stdout or "▄" in out.stdout
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", "")  # self-contained
    assert page.count("<circle") == 5  # one dot per site and week with related articles
    assert "15min, week of 2014-03-31: 1 related article" in page
    svg = tmp_path / "story.svg"
    cli(["stats", "--output", str(svg), "--lang", "lt"], archive.url, tmp_path)
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg") and len(root.findall(".//{*}circle")) == 2
    data = json.loads(cli(["stats", "--format", "json"], archive.url, tmp_path).stdout)
    assert data["total"] == 6 and data["per_site"]["15min"] == 2
    assert sum(b["articles"] for b in data["relevance_histogram"]) == 6
    bad = cli(["stats", "--output", str(tmp_path / "story.png")], archive.url, tmp_path)
    assert bad.returncode == 2 and ".html or .svg" in bad.stderr
    bad = cli(["stats", "--seed", "777"], archive.url, tmp_path)
    assert bad.returncode == 2 and "unknown seed '777'" in bad.stderr
