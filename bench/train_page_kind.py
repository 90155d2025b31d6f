"""Train the page-kind model shipped in ``crawler/extraction/page_kind_model.json``.

``python -m bench.train_page_kind`` reads the development pages of ``bench/pagekinds.py``
(WCXB dev of every page type, Fundus dev, ScrapingHub) through the project's own extraction,
fits scikit-learn's gradient boosting on the structure features, and writes the trees as
JSON, which ``crawler/extraction/page_kind.py`` evaluates without scikit-learn. The same
inputs give the same file (fixed seeds, sorted inputs); the script checks that the JSON
evaluator agrees with scikit-learn on every training page before it writes.

The threshold is not tuned by hand: it is the score under which ``RECALL_MISS`` of the article
pages fall, measured out-of-fold (folds grouped by site) on the training pages alone.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from bench.pagekinds import Reading, read_all, samples
from crawler.extraction.page_kind import MODEL_PATH, PageKindModel

PARAMS: dict[str, Any] = {"max_iter": 300, "max_depth": 3, "learning_rate": 0.05,
                          "min_samples_leaf": 20, "l2_regularization": 1.0,
                          "early_stopping": False, "random_state": 0}
# What each input may say. A list's marks (teasers, cards, repeated blocks, pagers, shop and
# forum words, links) can only count against an article; a story's marks (long paragraphs,
# sentences, dates, bylines, news-like URLs) only for one. Without this, 1,800 pages of many
# kinds teach the trees coincidences (a forum word in the URL "for" an article) that a news
# site of another country does not share. Inputs not named here may go either way.
AGAINST = ("url_listing", "url_product", "url_forum", "url_docs", "host_docs",
           "host_forum", "host_product", "url_page_param", "url_root", "url_query",
           "heading_links", "heading_link_share", "link_share", "links_per_kchar", "max_repeat",
           "repeat_groups", "teaser_blocks", "teaser_chars", "body_teasers",
           "body_teaser_share", "body_dated_share", "body_cut_share", "body_inside_links",
           "body_in_cards", "li_share", "n_button", "n_input", "n_select", "n_form",
           "n_textarea", "n_pre", "n_code", "n_table", "n_dl")
FOR = ("long_p", "sentence_p", "max_p", "p_share", "body_long_share", "body_long_lines",
       "body_sentence_share", "body_mean_line", "body_share", "authors", "date_structured",
       "date_visible", "date_url", "url_article", "url_date", "url_id", "host_article",
       "url_last_dashes", "n_figure", "n_blockquote")
FOLDS = 5
# Share of article pages the threshold may give up, out-of-fold. The verdict's job on a news
# crawl is to never lose an article; 2% of WCXB's "article" pages are dictionary entries,
# service and home pages that no structure tells from the pages beside them.
RECALL_MISS = 0.02


def feature_names(readings: Sequence[Reading]) -> list[str]:
    return sorted({name for r in readings for name in r.features})


def _matrix(readings: Sequence[Reading], names: list[str]) -> np.ndarray:
    return np.array([[r.features.get(n, 0.0) for n in names] for r in readings])


def _export(model: HistGradientBoostingClassifier, names: list[str],
            threshold: float) -> dict[str, Any]:
    # scikit-learn keeps the fitted trees in ``_predictors`` (one list per iteration, one
    # predictor per class: one here) with shrinkage already in the node values; ``fit()``
    # proves the export right on every training page.
    trees, shrink = [], float(model.learning_rate)
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append({"feature": [-1 if n["is_leaf"] else int(n["feature_idx"]) for n in nodes],
                      "threshold": [float(n["num_threshold"]) for n in nodes],
                      "left": [int(n["left"]) for n in nodes],
                      "right": [int(n["right"]) for n in nodes],
                      # Leaves carry the shrinkage already, inner nodes not: scaled alike,
                      # a path's steps attribute the score to the features that split it.
                      "value": [float(n["value"]) * (1.0 if n["is_leaf"] else shrink)
                                for n in nodes]})
    return {"features": names, "init": float(np.ravel(model._baseline_prediction)[0]),
            "learning_rate": 1.0, "threshold": threshold, "trees": trees}


def _fit_trees(readings: Sequence[Reading], names: list[str]) -> HistGradientBoostingClassifier:
    labels = np.array([r.sample.is_article for r in readings])
    constraints = [1 if n in FOR else -1 if n in AGAINST else 0 for n in names]
    return HistGradientBoostingClassifier(monotonic_cst=constraints, **PARAMS).fit(
        _matrix(readings, names), labels)


def fit(readings: Sequence[Reading], folds: int = FOLDS) -> dict[str, Any]:
    """The model (as JSON data) fitted on ``readings``, its threshold set out-of-fold on them."""
    names = feature_names(readings)
    groups = [r.sample.group for r in readings]
    scores: list[float] = []
    for train, held in GroupKFold(n_splits=folds).split(readings, groups=groups):
        part = [readings[i] for i in train]
        inner = PageKindModel.from_json(_export(_fit_trees(part, names), names, 0.0))
        scores += [inner.probability(readings[i].features) for i in held
                   if readings[i].sample.is_article]
    threshold = float(np.quantile(scores, RECALL_MISS))
    fitted = _fit_trees(readings, names)
    data = _export(fitted, names, round(threshold, 6))
    # The JSON evaluator must agree with scikit-learn on every page it learned from.
    ours = PageKindModel.from_json(data)
    theirs = fitted.predict_proba(_matrix(readings, names))[:, 1]
    gap = max(abs(ours.probability(r.features) - p) for r, p in zip(readings, theirs,
                                                                   strict=True))
    if gap > 1e-9:
        raise RuntimeError(f"the JSON evaluator disagrees with scikit-learn by {gap}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_page_kind",
                                     description=__doc__)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    readings = [r for r in read_all(list(samples())) if not r.empty]
    data = fit(readings)
    articles = sum(r.sample.is_article for r in readings)
    data["trained_on"] = {"pages": len(readings), "articles": articles,
                          "other": len(readings) - articles, "params": PARAMS,
                          "recall_miss": RECALL_MISS}
    args.output.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {len(readings)} pages, threshold {data['threshold']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
