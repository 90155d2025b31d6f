"""The seeds: ``seeds/manifest.toml`` and the seed texts it names.

The head of the data flow: the spider, relevance, the scheduler and the read side all start
from these records. Texts, titles and terms are NFC-normalised here, once (Vietnamese arrives
precomposed or decomposed).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import ConfigError

_SEED_FIELDS = {
    "id": str,
    "file": str,
    "language": str,
    "site": str,
    "title": str,
    "url": str,
    "published": str,
    "terms": list,
}


@dataclass(frozen=True)
class Seed:
    id: str
    language: str
    text: str
    title: str = ""
    terms: tuple[str, ...] = ()
    site: str = ""
    url: str = ""
    published: str = ""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def load_seeds(seeds_dir: Path) -> list[Seed]:
    """Read ``manifest.toml`` and the seed texts. Errors name the file and the field."""
    path = seeds_dir / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read seed manifest: {exc}") from exc
    entries = data.get("seed")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[seed]] entries")
    seeds: list[Seed] = []
    for i, entry in enumerate(entries):
        where = f"{path}: seed #{i + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = sorted(set(entry) - set(_SEED_FIELDS))
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
        for name in ("id", "file", "language"):
            if name not in entry:
                raise ConfigError(f"{where}: missing required field '{name}'")
        for name, kind in _SEED_FIELDS.items():
            if name in entry and not isinstance(entry[name], kind):
                raise ConfigError(f"{where}: field '{name}' must be a {kind.__name__}")
        where = f"{path}: seed '{entry['id']}'"
        terms = entry.get("terms", [])
        if not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(f"{where}: field 'terms' must be a list of non-empty strings")
        if not re.fullmatch(r"[a-z]{2}", entry["language"]):
            raise ConfigError(f"{where}: field 'language' must be an ISO 639-1 code")
        if any(s.id == entry["id"] for s in seeds):
            raise ConfigError(f"{where}: field 'id' is not unique")
        try:
            text = (seeds_dir / entry["file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: field 'file': cannot read {entry['file']}: {exc}") from exc
        seeds.append(
            Seed(
                id=entry["id"],
                language=entry["language"],
                text=nfc(text),
                title=nfc(entry.get("title", "")),
                terms=tuple(map(nfc, terms)),
                site=entry.get("site", ""),
                url=entry.get("url", ""),
                published=entry.get("published", ""),
            )
        )
    return seeds
