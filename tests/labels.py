"""The labels of the recorded web (tests/web/labels.json; schema in docs/recorded-web.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LABELS_FILE = Path(__file__).resolve().parent / "web" / "labels.json"


@dataclass(frozen=True)
class Label:
    url: str
    site: str
    related: bool
    seed: str | None
    title: str
    published: datetime | None
    authors: tuple[str, ...]
    language: str
    first_sentence: str
    last_sentence: str
    boilerplate: tuple[str, ...]
    variants: tuple[str, ...]
    is_seed: bool = False


def load_labels(path: Path = LABELS_FILE) -> list[Label]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.get("schema") == 1, f"{path}: unknown labels schema {data.get('schema')!r}"
    labels = []
    for url, entry in data["articles"].items():
        assert not entry.get("needs_review"), f"{path}: label of {url} awaits hand correction"
        published = entry.get("published")
        labels.append(
            Label(
                url=url,
                site=entry["site"],
                related=bool(entry["related"]),
                seed=entry.get("seed"),
                title=entry["title"],
                published=datetime.fromisoformat(published) if published else None,
                authors=tuple(entry.get("authors", [])),
                language=entry["language"],
                first_sentence=entry["first_sentence"],
                last_sentence=entry["last_sentence"],
                boilerplate=tuple(entry.get("boilerplate", [])),
                variants=tuple(entry.get("variants", [])),
                is_seed=bool(entry.get("is_seed")),
            )
        )
    return labels
