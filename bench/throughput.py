"""Throughput: pages per second end to end, against the pipeline a user would write by hand.

A generated web (bench/webgen.py: the recorded pages of the five sites under new URLs, with
list pages) is served on 127.0.0.1 by a real HTTP server (bench/localweb.py, as a proxy: the
sites' real URLs are kept). Over the same pages, in one run:

1. the project: ``scrapy crawl related`` fetching, extracting, scoring, deduplicating and
   archiving every article (threshold 0, so every article is written) into SQLite;
2. the headline's baseline, the hand-written pipeline (bench/handwritten_spider.py): a Scrapy
   spider whose ``parse`` calls ``trafilatura.bare_extraction(..., with_metadata=True)`` and
   inserts one row per article into SQLite through SQLAlchemy, in one process. The project
   and this baseline run in alternating pairs (project, baseline, project …; ``--pairs``):
   the headline is the median of the pairs' ratios, so the machine's drift cancels out;
3. for the cost per page: a plain Scrapy crawl that fetches the same pages and follows the
   same links with no extraction (bench/plain_spider.py), and plain ``trafilatura.extract``
   over the same pages in its own process (bench/plain_extract.py), both start-up included.

All crawls get the same download settings (no politeness delay, 16 connections per site).
Peak memory is the sum of the crawl's process tree (crawl and extraction workers), sampled
against the number of pages served. A shorter crawl under cProfile shows where the main
process spends its time.
"""

from __future__ import annotations

import argparse
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import trafilatura

from bench.common import REPO, console, headline, print_table
from bench.localweb import proxy_url, serve
from bench.webgen import GeneratedWeb, generate

DOWNLOAD_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "CONCURRENT_ITEMS": "8",  # the project's own setting; the plain crawl gets it too
    "LOG_LEVEL": "INFO",
}


def _as_plain_http(web: GeneratedWeb) -> None:
    """The local server speaks HTTP only: the generated pages and profiles link over http."""
    for path in [*web.web_dir.rglob("*"), *web.seeds_dir.rglob("*.toml")]:
        if path.is_file():
            data = path.read_bytes()
            if b"https://" in data:
                path.write_bytes(data.replace(b"https://", b"http://"))


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            kids = [int(k) for k in
                    Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
        found += kids
        todo += kids
    return found


def _memory(pids: tuple[int, ...]) -> tuple[int, int]:
    """(PSS of all ``pids``, RSS of the first: the crawl's own process), in bytes.

    PSS shares each page among the processes that map it: the workers fork from one server
    that loaded extraction's models, so their RSS counts those pages once per worker, their
    PSS once in all. RSS of the crawl's own process is what Scrapy's memusage watches."""
    pss = rss = 0
    for current in pids:
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            status = Path(f"/proc/{current}/status").read_text() if current == pids[0] else ""
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1]) * 1024
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return pss, rss


class _Sampler(threading.Thread):
    """Peak memory, the memory when the server had answered each of ``marks`` pages, and
    the CPU time of every process of the crawl's tree."""

    def __init__(self, pid: int, server: Any, marks: tuple[int, ...]) -> None:
        super().__init__(daemon=True)
        self.pid, self.server, self.marks = pid, server, marks
        self.peak_pss = self.peak_rss = self.last_pss = 0
        self.at: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # last CPU seconds seen, per process of the tree
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            pids = (self.pid, *_descendants(self.pid))  # one walk of the tree per sample
            for pid in pids:
                if (seconds := _cpu_seconds(pid)) is not None:
                    self.cpu[pid] = seconds
            pss, rss = _memory(pids)
            if pss:
                self.last_pss = pss
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            for mark in self.marks:
                if self.server.served >= mark and mark not in self.at:
                    self.at[mark] = pss


def _crawl(command: list[str], env: dict[str, str], cwd: Path, server: Any,
           marks: tuple[int, ...] = ()) -> dict[str, Any]:
    server.served = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    sampler = _Sampler(process.pid, server, marks)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"crawl failed ({command[:6]}):\n{stderr[-3000:]}")
    stats = _stats(stderr)
    seconds = float(stats.get("elapsed_time_seconds", elapsed))
    pages = int(stats.get("response_received_count", server.served))
    # CPU per page, start-up included (imports, migrations, models): the crawl's own process,
    # and the rest of its tree (the extraction workers and the fork server they come from).
    crawl_cpu = sampler.cpu.get(process.pid, 0.0)
    helpers_cpu = sum(v for pid, v in sampler.cpu.items() if pid != process.pid)
    return {
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 1),
        "process_seconds": round(elapsed, 2),
        "peak_pss_mb": round(sampler.peak_pss / 2**20, 1),
        "peak_main_rss_mb": round(sampler.peak_rss / 2**20, 1),
        "pss_mb_at": {k: round(v / 2**20, 1) for k, v in sampler.at.items()},
        "pss_mb_last": round(sampler.last_pss / 2**20, 1),
        "items": int(stats.get("item_scraped_count", 0)),
        "rows_inserted_by_hand": int(stats.get("handwritten/articles", 0)),  # the baseline's
        "cpu_ms_per_page_crawl_process": round(1000 * crawl_cpu / max(pages, 1), 2),
        "cpu_ms_per_page_workers": round(1000 * helpers_cpu / max(pages, 1), 2),
    }


def _stats(log: str) -> dict[str, Any]:
    """The numbers of Scrapy's closing stats dump."""
    out: dict[str, Any] = {}
    for line in log.splitlines():
        line = line.strip().rstrip(",").rstrip("}").lstrip("{")
        if line.startswith("'") and "': " in line:
            key, _, value = line[1:].partition("': ")
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


def _project_command(extra: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "related", "-a", "max_depth=10000"]
    for name, value in {**DOWNLOAD_SETTINGS, "CRAWLER_RELEVANCE_THRESHOLD": "0",
                        "CRAWLER_STORE_BATCH_SIZE": "200", **extra}.items():
        command += ["-s", f"{name}={value}"]
    return command


def _plain_trafilatura(web: GeneratedWeb, server: Any) -> dict[str, Any]:
    """Plain ``trafilatura.extract`` over the web's pages in its own process: its CPU time,
    start-up included, like the crawls'."""
    from bench.plain_extract import pages

    count = len(pages(web.web_dir))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.plain_extract", str(web.web_dir)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    sampler = _Sampler(process.pid, server, ())
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"plain trafilatura failed:\n{stderr[-3000:]}")
    cpu = sum(sampler.cpu.values())
    return {"pages": count, "with_text": int(stdout.split()[-1]), "seconds": round(seconds, 2),
            "pages_per_second": round(count / seconds, 1),
            "cpu_ms_per_page": round(1000 * cpu / count, 2)}


def _worker_stages(web: GeneratedWeb, count: int = 200) -> dict[str, float]:
    """Milliseconds per page of each step a worker runs (extraction_pool/pool.py), timed
    in this process on ``count`` article pages spread over the sites, beside plain
    ``trafilatura.extract`` on the same pages, page by page (machine load hits all alike)."""
    from crawler.extraction import extract_with_report, parse_page
    from crawler.extraction.decode import decode_html
    from crawler.extraction.link_reader import page_links_of
    from crawler.focus.relevance import RelevanceModel
    from crawler.seeds import load_seeds
    from crawler.sites import load_sites, site_for_url

    sites = list(load_sites(web.seeds_dir / "sites").values())
    model = RelevanceModel.from_seeds(load_seeds(web.seeds_dir))
    files = sorted(p for p in web.web_dir.rglob("*.htm*") if "/bench/" not in str(p))
    files = files[:: max(1, len(files) // count)][:count]
    spent = dict.fromkeys(("decode and parse", "links", "extraction", "relevance",
                           "plain trafilatura.extract"), 0.0)
    first = files[0].read_bytes()  # loads the language model and trafilatura's lazy parts
    extract_with_report(first, "http://" + str(files[0].relative_to(web.web_dir)))
    trafilatura.extract(first)
    for path in files:
        url = "http://" + str(path.relative_to(web.web_dir))
        site, body = site_for_url(url, sites), path.read_bytes()
        assert site is not None, url
        started = time.perf_counter()
        html = decode_html(body)
        tree = parse_page(html)
        document = html if tree is None else tree  # as crawl/extraction_pool.process_page
        parsed = time.perf_counter()
        page_links_of(document, site)
        linked = time.perf_counter()
        article = extract_with_report(document, url, site).article
        extracted = time.perf_counter()
        if article is not None:
            model.score(article.text, article.title, article.language)
        scored = time.perf_counter()
        trafilatura.extract(body)
        done = time.perf_counter()
        for name, seconds in zip(spent, (parsed - started, linked - parsed, extracted - linked,
                                         scored - extracted, done - scored), strict=True):
            spent[name] += seconds
    return {name: round(1000 * seconds / len(files), 2) for name, seconds in spent.items()}


def _profile(env: dict[str, str], workdir: Path, pages: int) -> list[list[Any]]:
    """The main process's top functions by own time, over a shorter crawl."""
    out = workdir / "crawl.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "scrapy",
               *_project_command({"LOG_LEVEL": "WARNING"})[3:], "-a", f"max_pages={pages}"]
    subprocess.run(command, cwd=REPO, env={**env, "CRAWLER_DATABASE_URL":
                   f"sqlite:///{workdir / 'profile.db'}"}, check=True, capture_output=True)
    stats = pstats.Stats(str(out))
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    by_area: dict[str, float] = {}
    for (file, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[_area(file)] = by_area.get(_area(file), 0.0) + own
    return [[area, round(100 * t / total, 1)] for area, t in
            sorted(by_area.items(), key=lambda kv: -kv[1])[:12]]


def _area(file: str) -> str:
    for marker in ("/crawler/", "/scrapy/", "/twisted/", "/trafilatura/", "/lxml/", "/parsel/",
                   "/sqlalchemy/", "/datasketch/", "/htmldate/", "/courlan/", "/w3lib/",
                   "/warcio/", "/asyncio/"):
        if marker in file:
            if marker == "/crawler/":
                return "crawler/" + file.split("/crawler/", 1)[1].split("/", 1)[0]
            return marker.strip("/")
    return "other" if not file.startswith("~") else "builtins (C)"


def _runspider(spider: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "runspider", str(REPO / "bench" / spider)]
    for key, value in DOWNLOAD_SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    return command


def _tree_cpu(figure: dict[str, Any]) -> float:
    """CPU ms per page of a crawl's whole process tree, start-up included."""
    return round(float(figure["cpu_ms_per_page_crawl_process"])
                 + float(figure["cpu_ms_per_page_workers"]), 2)


def _pairs(env: dict[str, str], workdir: Path, server: Any, pairs: int,
           marks: tuple[int, ...]) -> list[dict[str, Any]]:
    """``pairs`` alternating runs of the project and the hand-written pipeline, each into a
    fresh SQLite database."""
    runs = []
    for n in range(pairs):
        project_db = workdir / f"project-{n}.db"
        project = _crawl(_project_command({}), {
            **env, "CRAWLER_DATABASE_URL": f"sqlite:///{project_db}"}, REPO, server, marks)
        baseline = _crawl(_runspider("handwritten_spider.py"), {
            **env, "PYTHONPATH": str(REPO),
            "BENCH_DATABASE_URL": f"sqlite:///{workdir / f'handwritten-{n}.db'}"},
            workdir, server, marks)
        ratio = round(project["pages_per_second"] / baseline["pages_per_second"], 3)
        console.print(f"pair {n + 1}: project {project['pages_per_second']} pages/s, "
                      f"hand-written {baseline['pages_per_second']}, ratio {ratio}")
        runs.append({"project": project, "handwritten": baseline, "ratio": ratio})
    return runs


def _median_run(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run of the median pages per second (the lower middle one for an even count)."""
    ordered: list[dict[str, Any]] = sorted((r[key] for r in runs),
                                           key=lambda f: f["pages_per_second"])
    return ordered[(len(ordered) - 1) // 2]


def run(args: argparse.Namespace) -> dict[str, Any]:
    per_site = 2000 if args.limit is None else max(40, args.limit // 5)
    pairs_wanted = max(1, getattr(args, "pairs", 3) or 3)
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        workdir = Path(tmp)
        web = generate(workdir / "generated", per_site=per_site, related_share=0.5)
        _as_plain_http(web)
        console.print(f"generated web: {web.pages} pages, {web.articles} articles")
        with serve(web.web_dir) as server:
            env = {**os.environ, "CRAWLER_SEEDS_DIR": str(web.seeds_dir),
                   "http_proxy": proxy_url(server), "CRAWLER_WARC_ENABLED": "0"}
            env.pop("CRAWLER_REPLAY_DIR", None)
            marks = (1_000,)
            workers = os.cpu_count() or 1
            pairs = _pairs(env, workdir, server, pairs_wanted, marks)
            figures: dict[str, Any] = {"project": _median_run(pairs, "project"),
                                       "hand-written pipeline": _median_run(pairs,
                                                                            "handwritten")}
            one = {**env, "CRAWLER_DATABASE_URL": f"sqlite:///{workdir / 'one-process.db'}"}
            figures["project, 1 process"] = _crawl(
                _project_command({"CRAWLER_EXTRACT_WORKERS": "0"}), one, REPO, server, marks)
            figures["plain scrapy"] = _crawl(_runspider("plain_spider.py"), {
                **env, "PYTHONPATH": str(REPO)}, workdir, server, marks)
            figures["plain trafilatura"] = _plain_trafilatura(web, server)
            stages = _worker_stages(web)
            profile = _profile(env, workdir, min(1000, web.pages))
    project, plain, traf = (figures["project"], figures["plain scrapy"],
                            figures["plain trafilatura"])
    ratios = [r["ratio"] for r in pairs]
    ratio = round(statistics.median(ratios), 3)
    rows = [[name, f["pages"], f["seconds"], f["pages_per_second"], f.get("peak_pss_mb", "—"),
             f.get("peak_main_rss_mb", "—"), f.get("pss_mb_at", {}).get(1_000, "—"),
             f.get("pss_mb_last", "—")]
            for name, f in figures.items()]
    print_table(f"pages per second (workers: {workers}; project and hand-written: the median "
                f"of {len(pairs)} alternating pairs)",
                ["run", "pages", "seconds", "pages/s", "peak PSS MB (all processes)",
                 "peak RSS MB (crawl process)", "PSS @1k pages", "PSS at the end"], rows)
    console.print(f"project / hand-written pipeline, per pair: {ratios}; median {ratio}, "
                  f"spread {min(ratios)}–{max(ratios)}")
    project_cpu = [_tree_cpu(r["project"]) for r in pairs]
    handwritten_cpu = [_tree_cpu(r["handwritten"]) for r in pairs]
    plain_sum = round(plain["cpu_ms_per_page_crawl_process"] + traf["cpu_ms_per_page"], 2)
    cpu = {
        "project_tree_per_pair": project_cpu,
        "project_tree": round(statistics.median(project_cpu), 2),
        "handwritten_per_pair": handwritten_cpu,
        "handwritten": round(statistics.median(handwritten_cpu), 2),
        "plain_scrapy": plain["cpu_ms_per_page_crawl_process"],
        "plain_trafilatura": traf["cpu_ms_per_page"],
        "plain_scrapy_plus_plain_trafilatura": plain_sum,
        "project_over_plain_sum": round(statistics.median(project_cpu) / plain_sum, 3),
        "project_crawl_process_minus_plain_scrapy": round(
            project["cpu_ms_per_page_crawl_process"] - plain["cpu_ms_per_page_crawl_process"], 2),
    }
    print_table("CPU per page (ms, start-up included)",
                ["run", "crawl process", "workers", "whole tree"],
                [[name, f["cpu_ms_per_page_crawl_process"], f["cpu_ms_per_page_workers"],
                  _tree_cpu(f)] for name, f in figures.items()
                 if "cpu_ms_per_page_crawl_process" in f]
                + [["plain trafilatura.extract", None, None, traf["cpu_ms_per_page"]]])
    console.print(f"project's tree {cpu['project_tree']} ms a page (per pair {project_cpu}) "
                  f"against plain Scrapy + plain trafilatura {plain_sum} "
                  f"({cpu['plain_scrapy']} + {cpu['plain_trafilatura']}): "
                  f"{cpu['project_over_plain_sum']}x; crawl process "
                  f"{cpu['project_crawl_process_minus_plain_scrapy']:+} ms over plain Scrapy")
    print_table("a worker's steps, ms per page (in one process, same pages)", ["step", "ms"],
                [[name, ms] for name, ms in stages.items()])
    print_table(f"main process, own time by area (cProfile, {min(1000, web.pages):,} pages)",
                ["area", "%"],
                profile)
    head = headline(
        "end-to-end pages/s (project, median of the pairs)", project["pages_per_second"],
        ">= 2.2x the hand-written pipeline's pages/s (median of alternating pairs); "
        "project's CPU per page <= 1.35x plain Scrapy's + plain trafilatura's",
        figures["hand-written pipeline"]["pages_per_second"],
        "hand-written pipeline: Scrapy + trafilatura.bare_extraction(with_metadata=True) + "
        "SQLAlchemy into SQLite, one process, the same pages (bench/handwritten_spider.py)",
        ratio_per_pair=ratios, ratio_spread=[min(ratios), max(ratios)],
        cpu_ms_per_page=cpu,
        ratio_to_plain_scrapy=round(project["pages_per_second"] / plain["pages_per_second"], 3),
    )
    head["ratio"] = ratio  # the median of the pairs' ratios, not the ratio of two medians
    return {
        "headline": head,
        "web": {"pages": web.pages, "articles": web.articles},
        "workers": workers,
        "pairs": pairs,
        "runs": figures,
        "cpu_ms_per_page": cpu,
        "profile_main_process": profile,
        "worker_steps_ms_per_page": stages,
        "archive_writes_per_second": round(project["items"] / project["seconds"], 1),
    }
