"""Recognition: is the page an article? The project's verdict against the page's own markup.

1. The 1,497 WCXB dev pages of every type, the 142 Fundus dev articles (20 languages) and the
   181 ScrapingHub articles (bench/pagekinds.py). The verdict learns from these pages (the
   page-kind model and its threshold), so it is scored **out-of-fold**: 5 folds grouped by site,
   each page judged by a model (and threshold) fitted without its site. The baseline believes
   the page's markup alone (``og:type`` article or article JSON-LD), in the same run; the rules
   alone (no model) are shown too.
2. Pages the verdict never learned from: the recorded web's labelled articles and its listing
   pages (with their site profiles and on the generic path), and the real pages of
   ``tests/real-html`` (articles and listings). Judged by the shipped model.

Headline: WCXB precision of the article verdict, out-of-fold, against the markup baseline;
goal: precision >= 0.95 at recall >= 0.97, listing and collection pages taken <= 3% each.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sklearn.model_selection import GroupKFold

from bench.common import (
    REPO,
    WEB_DIR,
    console,
    headline,
    load_labels,
    print_table,
    recorded_file,
)
from bench.extraction import listing_pages
from bench.pagekinds import Reading, read_all, samples
from bench.train_page_kind import FOLDS, fit
from crawler.extraction import extract_with_report
from crawler.extraction.page_kind import PageKindModel, shipped_model
from crawler.extraction.verdict import decide

KINDS = ("article", "listing", "collection", "forum", "product", "documentation", "service")
Verdict = Callable[[Reading], bool]


def out_of_fold(readings: Sequence[Reading]) -> list[bool]:
    """Each page judged by rules and a model fitted (threshold included) without its site."""
    verdicts = [False] * len(readings)
    groups = [r.sample.group for r in readings]
    for n, (train, held) in enumerate(GroupKFold(n_splits=FOLDS).split(readings, groups=groups)):
        model = PageKindModel.from_json(fit([readings[i] for i in train if
                                             not readings[i].empty]))
        console.print(f"fold {n + 1}/{FOLDS}: threshold {model.threshold:.3f}")
        for i in held:
            r = readings[i]
            verdicts[i] = not r.empty and decide(r.rule, r.features, model)[0] is None
    return verdicts


def scores(readings: Sequence[Reading], verdicts: Sequence[bool]) -> dict[str, Any]:
    wcxb = [(r, v) for r, v in zip(readings, verdicts, strict=True) if r.sample.source == "wcxb"]
    tp = sum(v and r.sample.is_article for r, v in wcxb)
    taken = sum(v for _, v in wcxb)
    articles = sum(r.sample.is_article for r, _ in wcxb)
    out: dict[str, Any] = {
        "precision": round(tp / taken, 4) if taken else 0.0,
        "recall": round(tp / articles, 4) if articles else 0.0,
        "taken_by_kind": {},
    }
    for kind in KINDS:
        of_kind = [v for r, v in wcxb if r.sample.kind == kind]
        out["taken_by_kind"][kind] = {"taken": sum(of_kind), "pages": len(of_kind),
                                      "share": round(sum(of_kind) / len(of_kind), 4)}
    for source in ("fundus", "scrapinghub"):
        mine = [v for r, v in zip(readings, verdicts, strict=True) if r.sample.source == source]
        out[f"{source}_recall"] = {"articles": len(mine), "judged_article": sum(mine)}
    return out


def held_out() -> dict[str, Any]:
    """Pages the verdict never learned from, judged as the crawler judges them."""
    results: dict[str, Any] = {}
    sets: dict[str, list[tuple[str, Path, bool]]] = {"recorded articles": [],
                                                     "recorded listings": []}
    for url, label in sorted(load_labels().items()):
        for variant in [url, *(label.get("variants") or [])]:
            if (path := recorded_file(variant, WEB_DIR)) is not None:
                sets["recorded articles"].append((variant, path, True))
    labelled = {p for _, p, _ in sets["recorded articles"]}
    sets["recorded listings"] = [(u, p, False) for u, p in listing_pages(labelled)]
    real = REPO / "tests" / "real-html"
    pages = json.loads((real / "expected.json").read_text(encoding="utf-8"))
    sets["real pages"] = [(p["url"], real / p["file"], p["kind"] == "article") for p in pages]
    for name, items in sets.items():
        for how, sites in (("profiles", None), ("generic", ())):
            right = sum((extract_with_report(path.read_bytes(), url, sites=sites).article
                         is not None) == is_article for url, path, is_article in items)
            results[f"{name} ({how})"] = {"pages": len(items), "right": right}
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    items = list(samples())
    readings = read_all(items[: args.limit] if args.limit else items)
    markup = [r.markup_claim for r in readings]
    rules = [not r.empty and decide(r.rule, r.features, None)[0] is None for r in readings]
    verdicts = out_of_fold(readings)
    table = {"project (out-of-fold)": scores(readings, verdicts),
             "rules alone": scores(readings, rules),
             "markup only (baseline)": scores(readings, markup)}
    rows = [[name, s["precision"], s["recall"],
             *(f"{s['taken_by_kind'][k]['share']:.3f}" for k in KINDS),
             f"{s['fundus_recall']['judged_article']}/{s['fundus_recall']['articles']}",
             f"{s['scrapinghub_recall']['judged_article']}/"
             f"{s['scrapinghub_recall']['articles']}"]
            for name, s in table.items()]
    print_table(f"WCXB dev ({sum(r.sample.source == 'wcxb' for r in readings)} pages): share "
                "judged an article, by page type", ["verdict", "P", "R", *KINDS, "Fundus",
                                                    "ScrapingHub"], rows)
    unseen = held_out()
    print_table("pages the verdict never learned from (shipped model)", ["set", "right"],
                [[k, f"{v['right']}/{v['pages']}"] for k, v in unseen.items()])
    model = shipped_model()
    ours, base = table["project (out-of-fold)"], table["markup only (baseline)"]
    return {
        "headline": headline(
            "WCXB article precision, out-of-fold (recall beside it)", ours["precision"],
            ">= 0.95 at recall >= 0.97; listing, collection taken <= 3% each",
            base["precision"], "markup only (og:type / JSON-LD), same run",
            recall=ours["recall"], baseline_recall=base["recall"]),
        "verdicts": table,
        "held_out": unseen,
        "shipped_threshold": model.threshold if model else None,
    }
