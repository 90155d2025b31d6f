"""Real pages of other news publishers (the Fundus dev half, read from ``../shared``): one case
per behaviour fixed for issue 25, each against the value the publisher's own parser returns.

The pages are never copied into the project (README of ``../shared/benchmarks/fundus-dev``):
they are read from there by name. Without that folder the tests skip and say so; in CI
(``CRAWLER_REQUIRE_SERVICES=1``) its absence is a failure.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import extract
from crawler.extraction.page import word_count
from crawler.extraction.zones import named_zone
from crawler.items import ExtractedArticle
from tests.conftest import REPO_ROOT, REQUIRE_SERVICES

FUNDUS = Path(os.environ.get("CRAWLER_FUNDUS_DIR")
              or REPO_ROOT.parent / "shared" / "benchmarks" / "fundus-dev")


def _expected(name: str) -> dict[str, Any]:
    path = FUNDUS / "expected" / f"{name}.json"
    if not path.is_file():
        reason = (f"the Fundus dev pages are not here ({FUNDUS}: ../shared/benchmarks/"
                  f"fundus-dev, or set CRAWLER_FUNDUS_DIR)")
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (CRAWLER_REQUIRE_SERVICES=1: required here)")
        pytest.skip(reason)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _article(name: str) -> ExtractedArticle | None:
    expected = _expected(name)
    html = gzip.decompress((FUNDUS / "pages" / f"{name}.html.gz").read_bytes()).decode("utf-8")
    return extract(html, expected["url"])


def article(name: str) -> tuple[ExtractedArticle, dict[str, Any]]:
    expected = _expected(name)
    found = _article(name)
    assert found is not None, f"{name}: no article"
    return found, expected


@pytest.mark.parametrize(("page", "person"), [
    ("ch_TagesAnzeiger_2024_09_04", "Paula Steiger"),  # JSON-LD givenName + familyName
    ("ch_NZZ_2024_07_18", "Elena Oberholzer"),  # "Elena Oberholzer (obe)"
    ("us_FreeBeacon_2023_04_28", "Chuck Ross"),  # a URL slug, "chuck-ross"
    ("us_TheGatewayPundit_2026_07_19", "Paul Serran"),  # JSON-LD author by @id
    ("de_BoersenZeitung_2024_10_23", "Dieter Kuckelkorn"),  # only in "twitter:misc:Written by"
    ("kr_HankookIlbo_2026_01_29", "신현주"),  # "신현주 기자" (reporter)
])
def test_bylines_give_the_persons_name(page: str, person: str) -> None:
    found, expected = article(page)
    assert person in expected["authors"]
    assert person in found.authors
    assert not any("(" in a or "기자" in a or a[:1] == "-" for a in found.authors)


@pytest.mark.parametrize(("page", "organisation"), [
    ("de_DieZeit_2023_04_28", "dpa"),  # an agency alone: no person, the agency credited
    ("us_APNews_2023_04_28", "Associated Press"),
    ("ch_TagesAnzeiger_2024_09_04", "SDA"),  # beside a person
    ("be_Nieuwsblad_2025_02_02", "nieuwsblad.be"),  # the publisher named as the author
])
def test_organisations_are_credited_not_authors(page: str, organisation: str) -> None:
    found, expected = article(page)
    assert organisation in expected["authors"]
    assert organisation in found.organisations
    assert organisation not in found.authors


def test_the_publisher_beside_a_person_is_no_credit() -> None:
    found, _ = article("jp_MainichiShimbun_2025_01_14")  # JSON-LD: 松岡大地 and 毎日新聞
    assert found.authors == ["松岡大地"]
    assert found.organisations == []


def _wall(found: ExtractedArticle) -> datetime:
    assert found.published_at is not None
    return found.published_at.astimezone(named_zone(found.published_zone)).replace(tzinfo=None)


@pytest.mark.parametrize(("page", "zone", "source"), [
    # "2026-04-20T14:09:42.493" with no offset, on a Turkish page: Istanbul time
    ("tr_AnadoluAjansi_2026_04_20", "Europe/Istanbul", "language"),
    # the page's other dates carry +02:00
    ("de_AFPFaktencheck_2026_05_24", "+02:00", "page"),
    ("dk_JyllandsPosten_2025_02_02", "+01:00", "date"),
])
def test_a_local_time_is_read_in_the_pages_zone(page: str, zone: str, source: str) -> None:
    found, expected = article(page)
    assert (found.published_zone, found.published_zone_source) == (zone, source)
    want = datetime.fromisoformat(expected["publishing_date"])
    assert _wall(found).strftime("%Y-%m-%d %H:%M") == want.strftime("%Y-%m-%d %H:%M")


def test_a_misspelt_published_time_property_is_read() -> None:
    # <meta property="article:published:time" content="2024-10-23T15:48:15+00:00">
    found, expected = article("de_BoersenZeitung_2024_10_23")
    assert found.published_at == datetime.fromisoformat(expected["publishing_date"])
    assert found.published_source == "meta"


@pytest.mark.parametrize("page", [
    "cz_SeznamZpravy_2025_04_08",  # "… - Seznam Zprávy" (seznamzpravy.cz)
    "de_BoersenZeitung_2024_10_23",  # "… | Börsen-Zeitung" (boersen-zeitung.de)
    "de_MDR_2023_04_28",  # "… | MDR.DE"
    "tr_NTVTR_2025_11_10",  # "… | NTV Haber": the head is the printed <h1>
    "jp_TokyoShimbun_2025_01_13",  # "…警視庁逮捕：東京新聞デジタル"
    "kr_HankookIlbo_2026_07_12",  # "…-정치ㅣ한국일보"
    "us_TheGatewayPundit_2023_04_28",  # "… | The Gateway Pundit | by Cristina Laila"
    # "…पकड़ा: दो … - Samastipur News": the head is the <h1>, printed "…पकड़ा:दो …"
    "ind_Bhaskar_2024_09_04",
])
def test_the_site_name_is_cut_from_the_title(page: str) -> None:
    found, expected = article(page)
    assert found.title is not None
    assert " ".join(found.title.split()) == " ".join(expected["title"].split())


@pytest.mark.parametrize("page", ["cn_People_2024_04_24", "jp_AsahiShimbun_2025_01_13",
                                  "jp_Nikkei_2025_01_27", "kr_HankookIlbo_2025_05_15"])
def test_pages_in_scripts_without_spaces_are_articles(page: str) -> None:
    found, expected = article(page)
    last = expected["body"][-1]
    assert " ".join(last.split())[:40] in " ".join(found.text.split())


def test_words_are_counted_in_every_script() -> None:
    assert word_count("Trump postet schon wieder") == 4
    assert word_count("宮崎県で震度5弱") == 5  # 7 unspaced characters by pairs, and "5"
    assert word_count("ข่าววันนี้") == 5  # Thai: characters by pairs


@pytest.mark.parametrize(("page", "residue"), [
    ("de_Tagesspiegel_2024_04_29", "externen Inhalt"),  # an embed awaiting consent
    ("de_Tagesspiegel_2024_04_29", "Empfohlener redaktioneller Inhalt"),
    ("de_HamburgerAbendblatt_2025_09_09", "Lesen Sie auch:"),  # a teaser
    ("us_APNews_2024_09_03", "newsletter"),  # a sign-up pitch
    ("de_WAZ_2025_11_06", "Newsletter richtig"),
    ("fr_LeMonde_2023_09_01", "réservée aux abonnés"),  # a subscription pitch
    ("us_TheIntercept_2023_04_28", "Photo: Thom Bridge"),  # a photo credit
    ("za_Isolezwe_2025_11_09", "Image: DOCTOR NGCOBO"),
])
def test_boilerplate_lines_are_left_out(page: str, residue: str) -> None:
    found, expected = article(page)
    assert residue not in " ".join(expected["body"])
    assert residue not in found.text
    assert " ".join(expected["body"][-1].split())[:40] in " ".join(found.text.split())
