"""The background: document frequencies of ordinary news pages, the IDF of relevance scores."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.text import normalize as tn

BACKGROUND_PATH = Path(__file__).with_name("relevance_background.json")


@dataclass
class Background:
    """Document frequencies of ordinary news pages, per feature space (vi, lt, name)."""

    docs: dict[str, int] = field(default_factory=dict)
    avg_len: dict[str, float] = field(default_factory=dict)
    df: dict[str, dict[str, int]] = field(default_factory=dict)

    def idf(self, space: str, feature: str) -> float:
        n = self.docs.get(space, 0)
        return math.log((n + 1) / (self.df.get(space, {}).get(feature, 0) + 0.5))

    @classmethod
    def load(cls, path: Path = BACKGROUND_PATH) -> Background:
        # Loud, not an empty background: without IDF the scores lose their calibration.
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cls(docs=data["docs"], avg_len=data["avg_len"], df=data["df"])
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: cannot read the relevance background: {exc}") from exc

    @classmethod
    def build(cls, docs: Iterable[tuple[str, str | None]], min_df: int = 2) -> Background:
        """From (text, language) pairs; features seen in fewer than ``min_df`` pages are
        left out (they read as rare, which they are)."""
        bg = cls()
        lengths: dict[str, list[int]] = {}
        for text, language in docs:
            space = tn.space_of(language or tn.guess_language(text))
            seq = tn.units(text, space)
            lengths.setdefault(space, []).append(len(seq))
            names = tn.name_counts(text, space)
            for sp, feats in ((space, tn.ngram_counts(seq, 2)), ("name", names)):
                bg.docs[sp] = bg.docs.get(sp, 0) + 1
                df = bg.df.setdefault(sp, {})
                for f in feats:
                    df[f] = df.get(f, 0) + 1
        bg.avg_len = {sp: sum(v) / len(v) for sp, v in lengths.items()}
        bg.df = {sp: {f: n for f, n in sorted(d.items()) if n >= min_df} for sp, d in bg.df.items()}
        return bg

    def save(self, path: Path = BACKGROUND_PATH) -> None:
        data = {"docs": self.docs, "avg_len": self.avg_len, "df": self.df}
        path.write_text(
            json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
        )
