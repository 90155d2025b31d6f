"""Extraction quality and speed: the project's ``extract()`` against plain trafilatura.

1. The public ScrapingHub article-extraction benchmark (181 pages with a hand-checked body):
   bag-of-tokens precision/recall/F1 as its README states (lower-cased ``\\w+`` tokens; per
   page tp/fp/fn normalised, P and R averaged over pages, F1 of the two averages), plus the
   upstream evaluate.py metric (4-gram shingles, case kept) to compare with published figures.
2. WCXB dev split, article pages (711 varied English pages of many CMSs): token-level P/R/F1
   against ``main_content`` per page (bag of lower-cased ``\\w+`` tokens), averaged over pages;
   a page with no output scores 0 (the README in the benchmark folder).
3. The Fundus dev half (142 real pages of about 100 news publishers in 20 languages,
   :mod:`bench.fundus_set`): body F1, title, publishing date, authors and credited
   organisations, lead and last paragraph, against plain trafilatura in the same run.
4. The recorded web (tests/web, labels in labels.json): no full body there,
   so each label field is scored: title, publication time (to the minute), authors, language,
   first and last sentence, boilerplate strings leaked; and listing pages (home, section, tag,
   search) must give no article. Also with the profiles switched off (the generic path).

Headline: project F1 on both public sets vs plain ``trafilatura.extract(html)`` measured in the
same run, page by page in turn; goals: not lower on either set, time per page at most 1.3x, and
no page where trafilatura returns text and the project none. Published figure for trafilatura
2.0 on ScrapingHub (4-gram metric): F1 0.958.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from bench.common import (
    REPO,
    WEB_DIR,
    console,
    headline,
    load_labels,
    print_table,
    recorded_file,
    time_stats,
    timed,
)
from bench.fundus_set import run_fundus
from crawler.extraction import TRAFILATURA_OPTIONS, extract
from crawler.extraction.profiles import Sites, profile_for
from crawler.extraction.timelimit import call_with_time_limit

_TOKEN = re.compile(r"\w+")
Triple = tuple[float, float, float]
Extractor = Callable[[str, str], str | None]


def scrapinghub_dir() -> Path:
    env = os.environ.get("CRAWLER_SCRAPINGHUB_DIR")
    return Path(env) if env else REPO.parent / "shared" / "benchmarks" / "scrapinghub"


def wcxb_dir() -> Path:
    env = os.environ.get("CRAWLER_WCXB_DIR")
    return Path(env) if env else REPO.parent / "shared" / "benchmarks" / "wcxb-dev-articles"


# --- scoring ----------------------------------------------------------------------------------

def _normalised(true: Counter[Any], pred: Counter[Any]) -> Triple:
    tp = sum((true & pred).values())
    fp, fn = sum(pred.values()) - tp, sum(true.values()) - tp
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def token_triple(true: str, pred: str | None) -> Triple:
    return _normalised(Counter(_TOKEN.findall(true.lower())),
                       Counter(_TOKEN.findall((pred or "").lower())))


def shingle_triple(true: str, pred: str | None, n: int = 4) -> Triple:
    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(text)
        return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                       if tokens[i:i + n])
    return _normalised(shingles(true), shingles(pred or ""))


def _score(tp: float, fp: float, fn: float, other: float) -> float:
    return 1.0 if fp == fn == 0 else (0.0 if tp == other == 0 else tp / (tp + other))


def page_prf(true: str, pred: str | None) -> Triple:
    """WCXB: one page's bag-of-words precision, recall and F1; no output scores 0."""
    want = Counter(_TOKEN.findall(true.lower()))
    got = Counter(_TOKEN.findall((pred or "").lower()))
    tp = sum((want & got).values())
    p = tp / sum(got.values()) if got else 0.0
    r = tp / sum(want.values()) if want else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def page_mean(scores: list[Triple]) -> dict[str, float]:
    """WCXB: precision, recall and F1 each averaged over pages."""
    if not scores:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {name: round(statistics.fmean(s[k] for s in scores), 4)
            for k, name in enumerate(("precision", "recall", "f1"))}


def aggregate(triples: list[Triple]) -> dict[str, float]:
    """Upstream evaluate.py: mean precision, mean recall, F1 of the two means."""
    p = statistics.fmean(_score(tp, fp, fn, fp) for tp, fp, fn in triples if tp + fp > 0)
    r = statistics.fmean(_score(tp, fp, fn, fn) for tp, fp, fn in triples if tp + fn > 0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


# --- the public set ---------------------------------------------------------------------------

def _ours(html: str, url: str) -> str | None:
    article = extract(html, url)
    return article.text if article else None


def _with_metadata(html: str, url: str) -> str | None:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return getattr(doc, "text", None)


EXTRACTORS: dict[str, Extractor] = {
    "project extract()": _ours,
    "trafilatura.extract(html)": lambda html, url: trafilatura.extract(html),
    "trafilatura + project settings": lambda html, url: trafilatura.extract(
        html, url=url, **TRAFILATURA_OPTIONS),
    # Like for like in time: plain trafilatura also finding title, author and date.
    "trafilatura with metadata": _with_metadata,
}


PROJECT, PLAIN = "project extract()", "trafilatura.extract(html)"


def _interleaved(pages: list[tuple[str, str, str]], extractors: dict[str, Extractor],
                 ) -> dict[str, dict[str, list[Any]]]:
    """Each page through every extractor, page by page, in rotating order: a busy machine
    slows them all alike, so the time ratio stays fair even when absolute times drift.
    ``pages``: (id, url, html). Returns per extractor the texts and seconds in page order."""
    for func in extractors.values():  # imports, models and caches load outside the timing
        func("<html><body><p>warm up</p></body></html>", "https://example.com/")
    names = list(extractors)
    runs: dict[str, dict[str, list[Any]]] = {n: {"texts": [], "seconds": []} for n in names}
    for n, (_, url, html) in enumerate(pages):
        for name in names[n % len(names):] + names[: n % len(names)]:
            func = extractors[name]
            text, took = timed(lambda f=func, h=html, u=url: f(h, u))  # type: ignore[misc]
            runs[name]["texts"].append(text)
            runs[name]["seconds"].append(took)
    return runs


def _versus(runs: dict[str, dict[str, list[Any]]], ids: list[str]) -> dict[str, Any]:
    """The project against plain trafilatura: time ratio, and the pages where trafilatura
    found text and the project none (the floor's promise: never)."""
    ours, plain = runs[PROJECT], runs[PLAIN]
    lost = [i for i, a, b in zip(ids, ours["texts"], plain["texts"], strict=True)
            if b and not a]
    ratio = statistics.fmean(ours["seconds"]) / statistics.fmean(plain["seconds"])
    # The ratio of medians of per-page ratios resists one slow outlier of either extractor.
    per_page = statistics.median(a / b for a, b in zip(ours["seconds"], plain["seconds"],
                                                       strict=True) if b > 0)
    return {"ms_ratio": round(ratio, 3), "ms_ratio_median_per_page": round(per_page, 3),
            "plain_text_project_none": len(lost), "plain_text_project_none_ids": lost}


def run_scrapinghub(limit: int | None) -> dict[str, Any]:
    root = scrapinghub_dir()
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit]
    # Read as the upstream runner does: gzip → UTF-8 text.
    pages = [(i, truth[i]["url"],
              gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8"))
             for i in ids]
    runs = _interleaved(pages, EXTRACTORS)
    results: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        bodies = [truth[i]["articleBody"] for i in ids]
        results[name] = {
            "tokens": aggregate([token_triple(t, x) for t, x in zip(bodies, run["texts"],
                                                                     strict=True)]),
            "shingles": aggregate([shingle_triple(t, x) for t, x in zip(bodies, run["texts"],
                                                                         strict=True)]),
            "empty": sum(not x for x in run["texts"]),
            "time": time_stats(run["seconds"])}
    versus = _versus(runs, ids)
    rows = [[name, r["tokens"]["precision"], r["tokens"]["recall"], r["tokens"]["f1"],
             r["shingles"]["f1"], r["empty"], r["time"]["mean_ms"], r["time"]["p95_ms"]]
            for name, r in results.items()]
    print_table(f"ScrapingHub benchmark ({len(ids)} pages)",
                ["extractor", "P", "R", "F1", "F1 4-gram", "empty", "ms mean", "ms p95"], rows)
    _print_versus(versus)
    return {"pages": len(ids), "dir": str(root), "extractors": results, **versus}


def _print_versus(versus: dict[str, Any]) -> None:
    console.print(f"time ratio project / trafilatura: {versus['ms_ratio']:.3f} (means), "
                  f"{versus['ms_ratio_median_per_page']:.3f} (median per page); pages where "
                  f"trafilatura returns text and the project none: "
                  f"{versus['plain_text_project_none']} {versus['plain_text_project_none_ids']}")


WCXB_EXTRACTORS: dict[str, Extractor] = {
    PROJECT: EXTRACTORS[PROJECT],
    PLAIN: EXTRACTORS[PLAIN],
}


def run_wcxb(limit: int | None) -> dict[str, Any]:
    root = wcxb_dir()
    files = sorted((root / "ground-truth").glob("*.json"))[:limit]
    truth = {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in files}
    ids = list(truth)
    # Read as the upstream runner does: gzip → UTF-8 text.
    pages = [(i, truth[i]["url"], gzip.decompress(
        (root / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8", errors="replace"))
        for i in ids]
    runs = _interleaved(pages, WCXB_EXTRACTORS)
    results: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        scores = [page_prf(truth[i]["ground_truth"].get("main_content") or "", x)
                  for i, x in zip(ids, run["texts"], strict=True)]
        results[name] = {"tokens": page_mean(scores), "empty": sum(not x for x in run["texts"]),
                         "time": time_stats(run["seconds"]),
                         "f1_by_page": {i: round(s[2], 4) for i, s in zip(ids, scores,
                                                                         strict=True)}}
    versus = _versus(runs, ids)
    rows = [[name, r["tokens"]["precision"], r["tokens"]["recall"], r["tokens"]["f1"],
             r["empty"], r["time"]["mean_ms"], r["time"]["p95_ms"]]
            for name, r in results.items()]
    print_table(f"WCXB dev split, article pages ({len(ids)} pages)",
                ["extractor", "P", "R", "F1", "empty", "ms mean", "ms p95"], rows)
    _print_versus(versus)
    return {"pages": len(ids), "dir": str(root), "extractors": results, **versus}


# --- the recorded web -------------------------------------------------------------------------

FIELDS = ("article found", "title", "published (minute)", "published (day)", "authors",
          "language", "first sentence", "last sentence", "no boilerplate leak")


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def _minute(value: datetime | str | None) -> str | None:
    """UTC to the minute; a bare date (trafilatura's) only to the day."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if value is None:
        return None
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def score_page(label: dict[str, Any], found: dict[str, Any]) -> dict[str, bool | None]:
    """One page's label fields against what an extractor found (None: it cannot say)."""
    text = _norm(found.get("text"))
    paragraphs = [_norm(p) for p in (found.get("text") or "").splitlines() if p.strip()]
    got, want = _minute(found.get("published")), _minute(label.get("published")) or ""
    leaks = [b for b in label.get("boilerplate") or [] if _norm(b) in text]
    return {
        "article found": bool(text),
        "title": _norm(found.get("title")) == _norm(label.get("title")),
        "published (minute)": got is not None and got == want,
        "published (day)": got is not None and got[:10] == want[:10],
        "authors": sorted(_norm(a).lower() for a in found.get("authors") or [])
        == sorted(_norm(a).lower() for a in label.get("authors") or []),
        "language": found["language"] == label.get("language") if "language" in found else None,
        "first sentence": bool(paragraphs)
        and paragraphs[0].startswith(_norm(label.get("first_sentence"))),
        "last sentence": bool(paragraphs)
        and paragraphs[-1].endswith(_norm(label.get("last_sentence"))),
        "no boilerplate leak": bool(text) and not leaks,
    }


def _leaks(label: dict[str, Any], found: dict[str, Any]) -> list[str]:
    text = _norm(found.get("text"))
    return [b for b in label.get("boilerplate") or [] if text and _norm(b) in text]


def _project_fields(html: bytes, url: str, sites: Sites | None = None) -> dict[str, Any]:
    article = extract(html, url, sites=sites)
    if article is None:
        return {}
    return {"text": article.text, "title": article.title, "published": article.published_at,
            "authors": article.authors, "language": article.language}


def _baseline_fields(html: bytes, url: str) -> dict[str, Any]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None or isinstance(doc, dict):
        return {}
    # trafilatura's date is a bare day (naive): it is compared to the day only
    published = datetime.fromisoformat(doc.date) if doc.date else None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"text": doc.text, "title": doc.title, "published": published, "authors": authors}


def _accuracy(scores: list[dict[str, bool | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in FIELDS:
        values = [float(v) for s in scores if (v := s[name]) is not None]
        out[name] = round(statistics.fmean(values), 4) if values else None
    return out


def listing_pages(article_files: set[Path]) -> list[tuple[str, Path]]:
    """Recorded pages that cannot be articles: home, section, tag and search pages. A page
    counts when its site has a profile and the URL matches none of its article patterns
    (unlabelled articles and AMP copies are left out: they are neither)."""
    found = []
    for path in sorted(WEB_DIR.glob("*/**/*")):
        rel = path.relative_to(WEB_DIR)
        if path.suffix not in (".htm", ".html") or path in article_files or any(
                part.startswith("_") for part in rel.parts):
            continue
        url = f"https://{rel.parts[0]}/" + "/".join(rel.parts[1:]).removesuffix("index.html")
        site = profile_for(url)
        amp = "amp" in rel.parts[0].split(".") or (len(rel.parts) > 2 and rel.parts[1] == "amp")
        if site is None or site.is_article_url(url) or amp:
            continue
        found.append((url, path))
    return found


def run_recorded(limit: int | None) -> dict[str, Any]:
    pages: list[tuple[str, dict[str, Any], Path]] = []
    for url, label in sorted(load_labels().items()):
        for variant in [url, *(label.get("variants") or [])]:
            if path := recorded_file(variant):
                pages.append((variant, label, path))
    pages = pages[:limit]
    listings = listing_pages({p for _, _, p in pages})[:limit]
    scores: dict[str, list[dict[str, bool | None]]] = {"project": [], "generic": [], "base": []}
    per_site: dict[str, list[dict[str, bool | None]]] = {}
    leaks: dict[str, int] = {"project": 0, "generic": 0, "base": 0}
    seconds: dict[str, list[float]] = {"project": [], "base": []}
    failures = []
    for url, label, path in pages:
        html = path.read_bytes()
        found, took = timed(lambda h=html, u=url: _project_fields(h, u))  # type: ignore[misc]
        seconds["project"].append(took)
        seconds["base"].append(timed(lambda h=html: trafilatura.extract(h))[1])  # type: ignore[misc]
        generic = _project_fields(html, url, sites=())
        base = _baseline_fields(html, url)
        for key, fields in (("project", found), ("generic", generic), ("base", base)):
            scores[key].append(score_page(label, fields))
            leaks[key] += len(_leaks(label, fields))
        per_site.setdefault(label.get("site", "?"), []).append(scores["project"][-1])
        wrong = [k for k, v in scores["project"][-1].items() if v is False]
        if wrong:
            failures.append({"url": url, "wrong": wrong, "leaked": _leaks(label, found)})
    rejected = {"project": sum(extract(p.read_bytes(), u) is None for u, p in listings),
                "generic": sum(extract(p.read_bytes(), u, sites=()) is None for u, p in listings),
                "base": sum(trafilatura.extract(p.read_bytes()) is None for _, p in listings)}
    acc = {key: _accuracy(value) for key, value in scores.items()}
    rows: list[list[Any]] = [[f, acc["project"][f], acc["generic"][f], acc["base"][f]]
                             for f in FIELDS]
    rows.append(["boilerplate strings leaked", leaks["project"], leaks["generic"], leaks["base"]])
    rows.append([f"listing pages with no article (of {len(listings)})", rejected["project"],
                 rejected["generic"], rejected["base"]])
    rows.append(["ms per page (mean)", time_stats(seconds["project"])["mean_ms"], None,
                 time_stats(seconds["base"])["mean_ms"]])
    print_table(f"Recorded web: {len(pages)} labelled pages ({', '.join(sorted(per_site))})",
                ["field accuracy", "project", "project, no profiles", "trafilatura"], rows)
    return {
        "labelled_pages": len(pages), "sites": sorted(per_site),
        "project": acc["project"], "project_without_profiles": acc["generic"],
        "trafilatura": acc["base"],
        "project_by_site": {k: _accuracy(v) for k, v in sorted(per_site.items())},
        "boilerplate_leaks": leaks,
        "listing_pages": len(listings), "listing_rejected": rejected,
        "time": {"project": time_stats(seconds["project"]),
                 "trafilatura": time_stats(seconds["base"])},
        "failures": failures,
    }


def time_limit_overhead(calls: int = 20_000) -> dict[str, float]:
    """What the hard time limit costs per call, with nothing to do inside it (µs)."""
    def nothing() -> int:
        return 0
    bare = timed(lambda: [nothing() for _ in range(calls)])[1]
    limited = timed(lambda: [call_with_time_limit(nothing, 10.0) for _ in range(calls)])[1]
    return {"us_per_call": round((limited - bare) / calls * 1e6, 2)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    limit = getattr(args, "limit", None)
    public = run_scrapinghub(limit)
    wcxb = run_wcxb(limit)
    fundus = run_fundus(limit)
    recorded = run_recorded(limit)
    f1 = {key: (res["extractors"][PROJECT]["tokens"]["f1"],
                res["extractors"][PLAIN]["tokens"]["f1"])
          for key, res in (("scrapinghub", public), ("wcxb", wcxb))}
    rows = [[key, ours, plain, round(ours - plain, 4), res["ms_ratio"],
             res["plain_text_project_none"]]
            for (key, (ours, plain)), res in zip(f1.items(), (public, wcxb), strict=True)]
    rows.append(["fundus-dev", fundus["project"]["body F1"], fundus["trafilatura"]["body F1"],
                 round(fundus["project"]["body F1"] - fundus["trafilatura"]["body F1"], 4),
                 fundus["ms_ratio"], None])
    print_table("Project vs plain trafilatura, same run",
                ["set", "F1 project", "F1 trafilatura", "delta", "ms ratio",
                 "trafilatura text, project none"], rows)
    worst = min(f1.values(), key=lambda pair: pair[0] - pair[1])
    return {
        "headline": headline(
            f"F1, bag of tokens, worse of ScrapingHub ({public['pages']} pages) and WCXB dev "
            f"articles ({wcxb['pages']} pages)", worst[0],
            "not lower than the baseline on either set; ms ratio <= 1.3; "
            "no page with trafilatura text and no project text", worst[1],
            "trafilatura.extract(html), same run",
            f1_by_set={k: {"project": a, "trafilatura": b, "delta": round(a - b, 4)}
                       for k, (a, b) in f1.items()},
            ms_ratio={"scrapinghub": public["ms_ratio"], "wcxb": wcxb["ms_ratio"],
                      "fundus_dev": fundus["ms_ratio"]},
            plain_text_project_none=public["plain_text_project_none"]
            + wcxb["plain_text_project_none"],
            published_trafilatura_2_0_f1_4gram=0.958,
            fundus_dev={k: {"project": fundus["project"][k],
                            "trafilatura": fundus["trafilatura"][k]}
                        for k in ("body F1", "title exact share", "date right share",
                                  "authors all found share", "names right share",
                                  "article")}),
        "scrapinghub": public,
        "wcxb_dev_articles": wcxb,
        "fundus_dev": fundus,
        "recorded_web": recorded,
        "time_limit_overhead": time_limit_overhead(),
        "settings": TRAFILATURA_OPTIONS,
        "trafilatura_version": getattr(trafilatura, "__version__", None),
    }
