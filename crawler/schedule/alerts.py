"""Alerts for unattended crawls: e-mail (SMTP) and a JSON webhook, from ``[alerts]`` of the
schedule file (schedule.example.toml, docs/scheduling.md).

The scheduler sends them after a run has settled, from the run's ``crawl_runs`` row: only
there is the account complete, including runs whose crawl process died or was killed and so
never reached anything inside it (which is why Spidermon's monitors, run by the crawl at
spider close, do not fit; see docs/alerts.md). Events:

- ``failed``: the run failed (its process died, was killed, or the crawl recorded a failure);
- ``stalled``: the watchdog stopped it for want of progress;
- ``no_article``: it ended without meeting a single article page (none new, changed,
  unchanged, duplicate or unrelated): discovery or extraction is broken, not a quiet day;
- ``drift``: the drift check flagged a site's extraction.

Sending never stops the scheduler: a mail server or webhook that fails is logged, one line.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from crawler.db.models import CrawlRun
from crawler.errors import ConfigError

logger = logging.getLogger(__name__)

EVENTS = ("failed", "stalled", "no_article", "drift")
TIMEOUT = 15.0  # seconds for one SMTP session or webhook POST
_EMAIL_KEYS = {"host", "port", "starttls", "ssl", "username", "password_env", "from", "to"}
_WEBHOOK_KEYS = {"url", "topic"}


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None  # the password is read from this variable, not the file


@dataclass(frozen=True)
class Webhook:
    url: str
    topic: str | None = None  # ntfy: the topic, when url is the server's root


@dataclass(frozen=True)
class Alerts:
    events: frozenset[str]
    email: Email | None = None
    webhook: Webhook | None = None


def _table(data: dict[str, Any], key: str, keys: set[str], where: str) -> dict[str, Any] | None:
    table = data.get(key)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{where}.{key}: must be a table")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{where}.{key}: unknown key(s) {', '.join(unknown)}")
    return table


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}.{key}: required, a string")
    return value


def parse_alerts(data: Any, where: str) -> Alerts | None:
    """The ``[alerts]`` table (None when there is none); errors name the field."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = sorted(set(data) - {"on", "email", "webhook"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    events = data.get("on", list(EVENTS))
    if not isinstance(events, list) or not set(events) <= set(EVENTS):
        raise ConfigError(f"{where}.on: a list of {', '.join(EVENTS)}")
    email = webhook = None
    if (mail := _table(data, "email", _EMAIL_KEYS, where)) is not None:
        to = mail.get("to")
        to = [to] if isinstance(to, str) else to
        if not isinstance(to, list) or not to or not all(isinstance(t, str) for t in to):
            raise ConfigError(f"{where}.email.to: required, a list of addresses")
        port = mail.get("port", 465 if mail.get("ssl") else 25)
        if isinstance(port, bool) or not isinstance(port, int):
            raise ConfigError(f"{where}.email.port: must be a number")
        email = Email(_text(mail, "host", f"{where}.email"), port,
                      _text(mail, "from", f"{where}.email"), tuple(to),
                      bool(mail.get("starttls", False)), bool(mail.get("ssl", False)),
                      mail.get("username"), mail.get("password_env"))
    if (hook := _table(data, "webhook", _WEBHOOK_KEYS, where)) is not None:
        url = _text(hook, "url", f"{where}.webhook")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.webhook.url: an http:// or https:// URL")
        webhook = Webhook(url, hook.get("topic"))
    if email is None and webhook is None:
        raise ConfigError(f"{where}: add [alerts.email] or [alerts.webhook] (or both)")
    return Alerts(frozenset(events), email, webhook)


def events_of(run: CrawlRun) -> list[str]:
    """What is wrong with a settled run, as alert lines ("" when nothing is)."""
    found = []
    if run.status == "failed":
        found.append(f"failed: {run.finish_reason or 'no reason recorded'}")
    elif run.status == "stalled":
        found.append(f"stalled: {run.finish_reason or 'no progress'}")
    seen = (run.articles_new, run.articles_updated, run.articles_unchanged,
            run.articles_duplicate, run.articles_not_related)
    if run.status in ("ok", "stalled") and not any(seen):
        found.append(f"no_article: {run.pages_fetched} pages fetched, no article page among them")
    for flag in json.loads(run.drift or "[]"):
        found.append(f"drift: {flag.get('message') or flag.get('site')}")
    return found


def notify(alerts: Alerts | None, run: CrawlRun) -> list[str]:
    """Tell the operator what went wrong with this run; the events sent."""
    if alerts is None:
        return []
    lines = [line for line in events_of(run) if line.split(":", 1)[0] in alerts.events]
    if not lines:
        return []
    title = f"crawl job {run.job}: run {run.id} {lines[0].split(':', 1)[0]}"
    body = "\n".join([
        f"job {run.job}, run {run.id} ({run.trigger}), status {run.status}",
        f"started {run.started_at:%Y-%m-%d %H:%M:%S} UTC, {run.pages_fetched} pages, "
        f"{run.articles_new} new articles, {run.articles_updated} new versions",
        *lines,
        "",
        f"crawler runs {run.id}   # the full report",
    ])
    if alerts.email is not None:
        try:
            _mail(alerts.email, title, body)
        except (OSError, smtplib.SMTPException) as exc:
            logger.error("alert for run %d: e-mail not sent: %s", run.id, exc)
    if alerts.webhook is not None:
        try:
            _post(alerts.webhook, title, body, run, lines)
        except OSError as exc:
            logger.error("alert for run %d: webhook not called: %s", run.id, exc)
    return lines


def _mail(config: Email, subject: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, config.sender, ", ".join(
        config.to)
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    with smtp_class(config.host, config.port, timeout=TIMEOUT) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, os.environ.get(config.password_env or "", ""))
        smtp.send_message(message)


def _post(config: Webhook, title: str, body: str, run: CrawlRun, lines: list[str]) -> None:
    # "text": Slack's and Mattermost's incoming webhooks; "topic"/"title"/"message": ntfy's
    # JSON publishing (POST to the server's root). Each ignores the others' fields.
    payload: dict[str, Any] = {
        "text": f"{title}\n{body}", "title": title, "message": body,
        "job": run.job, "run": run.id, "status": run.status,
        "events": [line.split(":", 1)[0] for line in lines],
    }
    if config.topic:
        payload["topic"] = config.topic
    request = urllib.request.Request(
        config.url, data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read()
