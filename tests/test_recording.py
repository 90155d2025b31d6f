"""`crawler site record`: a saved page lands under its URL with a draft label to correct."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.config import Config
from crawler.errors import CrawlerError
from crawler.recorded_web.recording import page_path, record_page
from crawler.sites import load_sites
from tests.conftest import WEB_DIR
from tests.labels import load_labels

SEED_URL = (
    "https://dantri.com.vn/the-gioi/"
    "nga-va-nato-bat-ngo-nhom-hop-sau-2-nam-lanh-nhat-20160409101714155.htm"
)


def test_page_path_follows_the_recorded_web_layout(tmp_path: Path) -> None:
    assert page_path(tmp_path, "https://www.15min.lt/naujienos/") == (
        tmp_path / "www.15min.lt" / "naujienos" / "index.html"
    )
    with pytest.raises(CrawlerError, match=r"_replay\.toml"):
        page_path(tmp_path, "https://www.15min.lt/paieska?q=Rusija")


def test_record_drafts_a_label_that_must_be_reviewed(tmp_path: Path) -> None:
    site = load_sites(Config.from_env().sites_dir)["dantri"]
    body = page_path(WEB_DIR, SEED_URL).read_bytes()
    labels = tmp_path / "labels.json"
    page = record_page(SEED_URL, site, tmp_path, labels, body=body)
    assert page.path.read_bytes() == body
    assert page.label is not None
    assert page.label["title"] == "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt"
    assert page.label["published"].startswith("2016-04-09T10:17")
    assert page.label["needs_review"] is True
    assert json.loads(labels.read_text("utf-8"))["articles"][SEED_URL]["site"] == "dantri"
    with pytest.raises(AssertionError, match="awaits hand correction"):
        load_labels(labels)
    with pytest.raises(CrawlerError, match="labelled already"):
        record_page(SEED_URL, site, tmp_path, labels, body=body)


def test_record_refuses_another_sites_url(tmp_path: Path) -> None:
    site = load_sites(Config.from_env().sites_dir)["dantri"]
    with pytest.raises(CrawlerError, match="not on site dantri"):
        record_page("https://www.15min.lt/x", site, tmp_path, tmp_path / "l.json", body=b"")
