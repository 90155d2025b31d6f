"""Alerts of scheduled runs, received by a real SMTP server (aiosmtpd) and a real HTTP
receiver, both on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller  # type: ignore[import-untyped]

from crawler.db.models import CrawlRun
from crawler.errors import ConfigError
from crawler.schedule.alerts import notify, parse_alerts
from crawler.schedule.jobrun import run_once
from crawler.schedule.schedule_file import load_config
from crawler.schedule.service import make_runtime
from tests.conftest import REPO_ROOT
from tests.schedule_harness import replay_settings, runs, write_schedule


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            assert self.headers["Content-Type"] == "application/json"
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/crawler", received
    server.shutdown()
    server.server_close()


def _alerts_toml(smtp_port: int, url: str) -> str:
    return f"""
[alerts.email]
host = "127.0.0.1"
port = {smtp_port}
from = "crawler@example.org"
to = ["ops@example.org"]

[alerts.webhook]
url = "{url}"
topic = "news-crawler"
"""


def test_a_failed_scheduled_run_is_mailed_and_posted(
    db_url: str, tmp_path: Path, smtp: tuple[int, Inbox], hook: tuple[str, list[dict[str, Any]]]
) -> None:
    settings = replay_settings(tmp_path, REPO_ROOT / "tests" / "web")
    settings["EXTENSIONS"] = json.dumps({
        "scrapy.extensions.telnet.TelnetConsole": None,
        "crawler.extensions.archive_connection.ArchiveConnection": 90,
        "crawler.extensions.runs.CrawlRunRecorder": 100,
        "tests.schedule_harness.DieOnFirstResponse": 500,
    })
    path = write_schedule(tmp_path / "schedule.toml",
                          {"dies": {"every": "1h", "sites": ["dantri"], "settings": settings}})
    with path.open("a", encoding="utf-8") as stream:
        stream.write(_alerts_toml(smtp[0], hook[0]))
    runtime = make_runtime(db_url, load_config(path))
    try:
        run_id = run_once(runtime, runtime.config.jobs["dies"], trigger="schedule")
    finally:
        runtime.engine.dispose()
    (run,) = runs(db_url)
    assert run.id == run_id and run.status == "failed"
    (mail,) = smtp[1].messages
    assert mail["To"] == "ops@example.org" and mail["From"] == "crawler@example.org"
    assert mail["Subject"] == f"crawl job dies: run {run_id} failed"
    body = mail.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert "failed: crawl process ended without recording its run (exit status 3)" in body
    assert f"crawler runs {run_id}" in body
    (posted,) = hook[1]
    assert (posted["job"], posted["run"], posted["status"]) == ("dies", run_id, "failed")
    assert posted["events"] == ["failed"] and posted["topic"] == "news-crawler"
    assert posted["text"].startswith(f"crawl job dies: run {run_id} failed\n")
    assert posted["message"] == body.rstrip("\n")


def _run(**values: Any) -> CrawlRun:
    base = {"id": 9, "job": "j", "trigger": "schedule", "status": "ok", "pages_fetched": 40,
            "started_at": datetime(2026, 12, 7, 6, 0, tzinfo=UTC), "articles_new": 0,
            "articles_updated": 0, "articles_unchanged": 0, "articles_duplicate": 0,
            "articles_not_related": 0, "drift": None, "finish_reason": None}
    return CrawlRun(**{**base, **values})


def test_stalled_no_article_and_drift(
    smtp: tuple[int, Inbox], hook: tuple[str, list[dict[str, Any]]]
) -> None:
    alerts = parse_alerts({"email": {"host": "127.0.0.1", "port": smtp[0], "from": "c@x.org",
                                     "to": "o@x.org"}, "webhook": {"url": hook[0]}}, "alerts")
    assert notify(alerts, _run(articles_new=3)) == []  # a good run: nothing sent
    assert notify(alerts, _run(articles_unchanged=5)) == []  # a quiet day is not an alert
    drift = [{"site": "dantri", "message": "dantri: articles with a date 95% -> 10%"}]
    assert notify(alerts, _run(articles_new=2, drift=json.dumps(drift))) == [
        "drift: dantri: articles with a date 95% -> 10%"]
    assert notify(alerts, _run()) == [
        "no_article: 40 pages fetched, no article page among them"]
    sent = notify(alerts, _run(status="stalled", finish_reason="stalled", articles_new=1))
    assert sent == ["stalled: stalled"]
    assert [m["Subject"] for m in smtp[1].messages] == [
        "crawl job j: run 9 drift", "crawl job j: run 9 no_article", "crawl job j: run 9 stalled"]
    assert [p["events"] for p in hook[1]] == [["drift"], ["no_article"], ["stalled"]]
    only = parse_alerts({"on": ["failed"], "webhook": {"url": hook[0]}}, "alerts")
    assert notify(only, _run(status="stalled")) == []


def test_an_unreachable_receiver_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    dead = _free_port()  # nothing listens there
    alerts = parse_alerts({"email": {"host": "127.0.0.1", "port": dead, "from": "c@x.org",
                                     "to": ["o@x.org"]},
                           "webhook": {"url": f"http://127.0.0.1:{dead}/"}}, "alerts")
    assert notify(alerts, _run(status="failed", finish_reason="boom")) == ["failed: boom"]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 2
    assert errors[0].startswith("alert for run 9: e-mail not sent:")
    assert errors[1].startswith("alert for run 9: webhook not called:")


@pytest.mark.parametrize(("table", "message"), [
    ({"on": ["oops"], "webhook": {"url": "http://h/"}}, "alerts.on: a list of failed"),
    ({"webhook": {"url": "ftp://h/"}}, "alerts.webhook.url: an http:// or https:// URL"),
    ({"email": {"host": "h", "from": "a@b"}}, "alerts.email.to: required"),
    ({"email": {"host": "h", "to": "a@b", "pasword": "x"}}, "alerts.email: unknown key(s)"),
    ({"on": ["failed"]}, "alerts: add [alerts.email] or [alerts.webhook]"),
])
def test_alert_config_errors_name_the_field(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_alerts(table, "alerts")
