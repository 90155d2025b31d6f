"""The schedule file an operator edits: jobs, triggers, budgets (see schedule.example.toml).

A job is a crawl of some sites or seeds on an interval (``every = "6h"``) or a crontab
(``cron = "30 5 * * *"``), with its page budget, relevance threshold and re-visit policy.
``[defaults]`` apply to every job; ``[scheduler]`` holds the process's own options. Errors
name the file and the field. A :class:`JobSpec` travels to the job store as plain data
(:meth:`JobSpec.to_dict`), so a changed file is a changed job on the next start.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import astimezone

from crawler.config import NAME, REVISIT_SCHEDULE, Config, string_list
from crawler.errors import ConfigError
from crawler.launch.crawl_spec import CrawlSpec
from crawler.launch.revisit_policy import parse_duration, parse_schedule
from crawler.schedule.alerts import Alerts, parse_alerts

_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*$")
_JOB_KEYS = {
    "sites", "seeds", "every", "cron", "max_pages", "max_depth", "threshold", "incremental",
    "revisit", "stall_timeout", "settings",
}  # fmt: skip
_SCHEDULER_KEYS = {"timezone", "misfire_grace_time", "stop_timeout", "state_dir"}


def _setting_value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# A scheduled job's crawl unless its entry says otherwise: incremental, re-visits, a watchdog.
JOB_CRAWL = CrawlSpec(incremental=True, revisit=REVISIT_SCHEDULE, stall_timeout=900.0)
_CRAWL_KEYS = (
    "sites", "seeds", "max_pages", "max_depth", "threshold", "incremental", "revisit",
    "stall_timeout",
)  # fmt: skip


@dataclass(frozen=True)
class JobSpec:
    id: str
    every: float | None = None  # seconds
    cron: str | None = None
    timezone: str = "UTC"
    crawl: CrawlSpec = JOB_CRAWL  # what it crawls, and how (crawler/launch/crawl_spec.py)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the job store; equal dicts mean an unchanged job."""
        crawl = {key: getattr(self.crawl, key) for key in _CRAWL_KEYS}
        return {
            "id": self.id,
            "trigger": {"every": self.every, "cron": self.cron, "timezone": self.timezone},
            **crawl,
            "sites": list(self.crawl.sites),
            "seeds": list(self.crawl.seeds),
            "settings": [list(pair) for pair in self.crawl.settings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        trigger = data["trigger"]
        crawl = {key: data[key] for key in _CRAWL_KEYS if key not in ("sites", "seeds")}
        return cls(
            id=data["id"],
            every=trigger["every"],
            cron=trigger["cron"],
            timezone=trigger["timezone"],
            crawl=CrawlSpec(
                **crawl,
                sites=tuple(data["sites"]),
                seeds=tuple(data["seeds"]),
                settings=tuple((str(k), str(v)) for k, v in data["settings"]),
            ),
        )

    def trigger(self, timezone: str | None = None) -> BaseTrigger:
        zone = timezone or self.timezone
        if self.cron is not None:
            return CronTrigger.from_crontab(self.cron, timezone=zone)
        return IntervalTrigger(seconds=self.every or 0, timezone=zone)

    def describe_trigger(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron} ({self.timezone})"
        seconds = self.every or 0
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size and seconds % size == 0:
                return f"every {seconds / size:g}{unit}"
        return f"every {seconds:g}s"


@dataclass(frozen=True)
class ScheduleConfig:
    path: Path
    state_dir: Path  # per job: the lock, JOBDIR (resume after interruption), run logs
    timezone: str = "UTC"
    misfire_grace_time: int = 3600  # seconds
    stop_timeout: float = 120.0  # seconds a crawl gets to stop after SIGTERM
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    alerts: Alerts | None = None  # [alerts]: e-mail and webhook (crawler/schedule/alerts.py)
    # [feeds] as written: served by the read side (crawler/read/feeds.py), not scheduled
    feeds: Any = field(default_factory=dict)


def _seconds(value: Any, where: str) -> float:
    try:
        return parse_duration(value).total_seconds()
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _option(options: dict[str, Any], key: str, default: float, path: Path) -> float:
    return _seconds(options.get(key, default), f"{path}: scheduler.{key}")


def _job(job_id: str, entry: dict[str, Any], timezone: str, where: str) -> JobSpec:
    unknown = sorted(set(entry) - _JOB_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if ("every" in entry) == ("cron" in entry):
        raise ConfigError(f"{where}: give exactly one of every (an interval) or cron")
    spec: dict[str, Any] = {"id": job_id, "timezone": timezone}
    if "every" in entry:
        spec["every"] = _seconds(entry["every"], f"{where}.every")
        if spec["every"] <= 0:
            raise ConfigError(f"{where}.every: must be more than 0")
    else:
        try:
            CronTrigger.from_crontab(str(entry["cron"]), timezone=timezone)
        except ValueError as exc:
            raise ConfigError(f"{where}.cron: {exc}") from None
        spec["cron"] = str(entry["cron"])
    return JobSpec(**spec, crawl=_job_crawl(entry, where))


def _job_crawl(entry: dict[str, Any], where: str) -> CrawlSpec:
    spec: dict[str, Any] = {}
    for key in ("sites", "seeds"):
        if key in entry:
            spec[key] = string_list(entry[key], f"{where}.{key}")
    for key, kind in (("max_pages", int), ("max_depth", int), ("threshold", float)):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{where}.{key}: must be a number >= 0")
            if key == "threshold" and value > 1:  # a relevance score is between 0 and 1
                raise ConfigError(f"{where}.threshold: must be between 0 and 1, not {value}")
            spec[key] = kind(value)
    if "incremental" in entry:
        if not isinstance(entry["incremental"], bool):
            raise ConfigError(f"{where}.incremental: must be true or false")
        spec["incremental"] = entry["incremental"]
    if "revisit" in entry:
        revisit = entry["revisit"]
        text = ",".join(revisit) if isinstance(revisit, list) else str(revisit)
        try:
            parse_schedule(text)
        except ConfigError as exc:
            raise ConfigError(f"{where}.revisit: {exc}") from None
        spec["revisit"] = text
    if "stall_timeout" in entry:
        spec["stall_timeout"] = _seconds(entry["stall_timeout"], f"{where}.stall_timeout")
    settings = entry.get("settings", {})
    if not isinstance(settings, dict) or not all(_SETTING.match(k) for k in settings):
        raise ConfigError(f"{where}.settings: a table of Scrapy settings (NAME = value)")
    spec["settings"] = tuple(sorted((k, _setting_value(v)) for k, v in settings.items()))
    return replace(JOB_CRAWL, **spec)


def _check_names(config: ScheduleConfig) -> None:
    from crawler.seeds import load_seeds
    from crawler.sites import load_sites

    env = Config.from_env()
    sites, seeds = set(load_sites(env.sites_dir)), {s.id for s in load_seeds(env.seeds_dir)}
    for spec in config.jobs.values():
        crawl = spec.crawl
        for key, names, known in (("sites", crawl.sites, sites), ("seeds", crawl.seeds, seeds)):
            unknown = sorted(set(names) - known)
            if unknown:
                raise ConfigError(
                    f"{config.path}: jobs.{spec.id}.{key}: unknown {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )


def load_config(path: Path) -> ScheduleConfig:
    """Read and check a schedule file; every error names the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no schedule file at {path}: copy schedule.example.toml and edit it"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the schedule: {exc}") from None
    unknown = sorted(set(data) - {"scheduler", "defaults", "jobs", "feeds", "alerts"})
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(unknown)}")
    options = data.get("scheduler", {})
    unknown = sorted(set(options) - _SCHEDULER_KEYS)
    if unknown:
        raise ConfigError(f"{path}: scheduler: unknown key(s) {', '.join(unknown)}")
    timezone = str(options.get("timezone", "UTC"))
    try:
        astimezone(timezone)
    except (ValueError, LookupError) as exc:
        raise ConfigError(f"{path}: scheduler.timezone: unknown time zone {timezone!r}") from exc
    jobs_table = data.get("jobs", {})
    if not isinstance(jobs_table, dict) or not jobs_table:
        raise ConfigError(f"{path}: no jobs (add a [jobs.<id>] table)")
    defaults = data.get("defaults", {})
    jobs = {}
    for job_id, entry in jobs_table.items():
        if not NAME.match(job_id) or not isinstance(entry, dict):
            raise ConfigError(f"{path}: jobs.{job_id}: ids are letters, digits, '.', '_', '-'")
        jobs[job_id] = _job(job_id, {**defaults, **entry}, timezone, f"{path}: jobs.{job_id}")
    state_dir = Path(str(options.get("state_dir", "schedule-state")))
    config = ScheduleConfig(
        path=path,
        state_dir=state_dir if state_dir.is_absolute() else path.parent / state_dir,
        timezone=timezone,
        misfire_grace_time=int(_option(options, "misfire_grace_time", 3600, path)),
        stop_timeout=_option(options, "stop_timeout", 120, path),
        jobs=jobs,
        alerts=parse_alerts(data.get("alerts"), f"{path}: alerts"),
        feeds=data.get("feeds", {}),
    )
    _check_names(config)
    return config
