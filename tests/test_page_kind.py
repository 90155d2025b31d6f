"""The article verdict's model and the rules beside it (crawler/extraction/page_kind.py,
structure.py, verdict.py): the shipped model reads what extraction measures, its JSON agrees
with scikit-learn, and the verdict's exemptions and rules hold on pages written for them."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from bench.train_page_kind import PARAMS, _export
from crawler.extraction import extract_with_report
from crawler.extraction.page_kind import PageKindModel, shipped_model
from crawler.extraction.verdict import decide, has_story_marks, is_prose
from crawler.recorded_web.replay import RecordedWeb
from tests.labels import load_labels
from tests.local_web import seed_paragraphs

STORY = seed_paragraphs("003_1cdc3babee419195.txt")


def _page(body: str, head: str = "", lang: str = "vi") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>Tin</title>{head}</head><body><header><nav><a href='/'>Trang chủ</a>"
            f"<a href='/the-gioi'>Thế giới</a></nav></header><main>{body}</main>"
            "<footer><p>© 2024 Tin Thế Giới</p></footer></body></html>").encode()


def _story(paragraphs: list[str], byline: bool = True) -> bytes:
    marks = ('<div class="byline"><span class="author">Minh An</span> '
             '<time datetime="2024-03-05T08:30:00+07:00">05/03/2024 08:30</time></div>'
             if byline else "")
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return _page(f'<div class="detail"><h1>Nga và NATO nhóm họp</h1>{marks}{text}</div>')


def test_the_shipped_model_reads_every_feature_extraction_measures() -> None:
    model = shipped_model()
    assert model is not None, "crawler/extraction/page_kind_model.json is missing"
    found = extract_with_report(_story(STORY), "https://tin.example/a/1", sites=())
    assert found.signals is not None and found.article is not None
    # A model input the pipeline no longer measures would silently read 0 on every page.
    assert set(model.features) <= set(found.signals.features)
    assert 0.0 < model.threshold < 1.0
    assert found.signals.probability is not None and found.signals.probability >= model.threshold


def test_the_json_trees_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400)) > 0
    names = ["a", "b", "c"]
    fitted = HistGradientBoostingClassifier(**{**PARAMS, "max_iter": 40}).fit(x, y)
    model = PageKindModel.from_json(_export(fitted, names, 0.5))
    theirs = fitted.predict_proba(x)[:, 1]
    ours = [model.probability(dict(zip(names, row, strict=True))) for row in x]
    assert np.allclose(ours, theirs, atol=1e-9)
    # The score is split over the features that decided it; "c" is noise here.
    _, shares = model.contributions({"a": 2.0, "b": -2.0, "c": 0.0})
    assert shares["a"] > 0 and abs(shares["a"]) > abs(shares["c"])


def test_a_low_score_is_a_reason_naming_the_signal_unless_the_story_is_marked() -> None:
    model = PageKindModel.from_json({
        "features": ["body_chars"], "init": 0.0, "learning_rate": 1.0, "threshold": 0.5,
        "trees": [{"feature": [0, -1, -1], "threshold": [1000.0, 0.0, 0.0], "left": [1, -1, -1],
                   "right": [2, -1, -1], "value": [0.0, -3.0, 3.0]}]})
    short = {"body_chars": 400.0}
    reason, probability = decide(None, short, model)
    assert reason == "page structure: body_chars" and probability is not None
    assert probability < 0.5
    marked = {**short, "authors": 1.0, "date_visible": 1.0}
    assert has_story_marks(marked)
    assert decide(None, marked, model)[0] is None
    assert decide("a list of teasers", {"body_chars": 5000.0}, model)[0] == "a list of teasers"


def test_a_short_story_with_a_byline_and_a_date_is_an_article() -> None:
    three = [". ".join(STORY[0].split(". ")[:3]).rstrip(".") + "."]
    found = extract_with_report(_story(three), "https://tin.example/a/3", sites=())
    assert found.article is not None, found.no_article
    assert found.signals is not None and has_story_marks(found.signals.features)


HEADLINES = ["Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt",
             "Ngoại trưởng Nga và Mỹ điện đàm về an ninh châu Âu",
             "Nhật Bản và Nga nối lại đàm phán hiệp ước hòa bình",
             "NATO tăng cường hiện diện quân sự ở Đông Âu",
             "Điện Kremlin lên tiếng về quan hệ với Washington"]


def test_text_taken_from_a_list_of_cards_is_no_article() -> None:
    # A section page whose template says og:type article (Dân trí's does): its text is the
    # cards' excerpts, each card led by its headline link.
    sentences = [x.strip() + "." for x in " ".join(STORY).split(". ") if len(x) > 80]
    cards = "\n".join(
        f'<article class="article-item">\n<a href="/a/{n}"><img src="/i/{n}.jpg" alt=""></a>\n'
        f'<h3 class="article-title"><a href="/a/{n}">{html.escape(title)}</a></h3>\n'
        f'<p class="article-excerpt">{html.escape(sentences[n])}</p>\n'
        f"<time>0{n + 1}/03/2024 08:30</time>\n</article>"
        for n, title in enumerate(HEADLINES))
    found = extract_with_report(_page(f'<div class="article list">\n{cards}\n</div>',
                                      '<meta property="og:type" content="article">'),
                                "https://tin.example/the-gioi", sites=())
    assert found.article is None
    assert found.signals is not None and found.signals.features["body_in_cards"] >= 0.8
    assert found.no_article == "the text of a list of cards"


def test_prose_is_told_in_scripts_without_spaces() -> None:
    assert is_prose("習近平国家主席は北京で来日中の首相と会談し、両国関係の改善で一致した。")
    assert is_prose("Nga và NATO bất ngờ nhóm họp sau hai năm lạnh nhạt")
    assert not is_prose("Trang chủ")
    assert not is_prose("国際")


WEB = RecordedWeb(Path(__file__).resolve().parent / "web")
# Copies answered by a redirect are the article itself, already here under its own URL.
RECORDED = [(label.url, variant) for label in load_labels()
            for variant in (label.url, *label.variants) if WEB.get(variant).status == 200]


@pytest.mark.parametrize(("url", "variant"), RECORDED, ids=[v for _, v in RECORDED])
def test_every_recorded_article_and_its_copies_is_an_article_both_ways(url: str,
                                                                        variant: str) -> None:
    # AMP and print copies carry no byline block and little else: the verdict must keep them
    # with their site's profile and on the generic path alike.
    recorded = WEB.get(variant)
    for sites in (None, ()):
        found = extract_with_report(recorded.body, variant, sites=sites)
        assert found.article is not None, (variant, "generic" if sites == () else "profile",
                                           found.no_article)
