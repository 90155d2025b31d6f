"""Relevance: how close a text is to the seed articles. Pure; no Scrapy.

Each seed becomes a weighted term profile (docs/relevance.md): the words and syllable pairs of
its cleaned text and title plus the manifest's operator-edited ``terms``, each weighted by an
IDF from a background of ordinary news pages (``relevance_background.json``). A text's score
against a profile is the profile weight it covers, each feature's contribution saturating with
repetition (BM25's tf curve), mapped to [0, 1]. Same-language seeds are compared on all
features; seeds in another language only on names (Putin, Lavrovas, NATO), the one vocabulary
the languages share, at a discount.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crawler.focus import actors as ac
from crawler.focus.background import Background
from crawler.focus.seed_profile import TITLE_WEIGHT, SeedProfile, build_profile
from crawler.seeds import Seed
from crawler.text import normalize as tn

K1, B = 1.2, 0.5  # BM25 tf saturation and length normalisation
CROSS_DISCOUNT = 0.7  # names alone are weaker evidence than a whole same-language profile
SCALE = 0.35  # raw coverage at which the score reaches 1 - 1/e
SNIPPET_SCALE = 0.25
# What is left of the coverage of a text whose title and lead do not name the seed's two actors
# together (crawler/focus/actors.py): the vocabulary may match, the story is someone else's.
LOOKALIKE_FACTOR = 0.4


@dataclass(frozen=True)
class Relevance:
    """A text's closeness to its closest seed; ``matched_terms`` are the strongest evidence,
    as the manifest spells them where they came from a term."""

    score: float
    seed_id: str | None
    matched_terms: tuple[str, ...] = ()


def _phrase_starts(features: Iterable[str]) -> frozenset[str]:
    return frozenset(f.split(" ", 1)[0] for f in features if " " in f)


def _cover(
    weights: Mapping[str, float], counts: Mapping[str, float], norm: float
) -> tuple[float, list[tuple[float, str]]]:
    parts = [
        (w * counts[f] / (counts[f] + K1 * norm), f) for f, w in weights.items() if counts.get(f)
    ]
    return sum(p for p, _ in parts), parts


def _explained(
    value: float, seed_id: str, parts: list[tuple[float, str]], labels: Mapping[str, str]
) -> Relevance:
    parts.sort(reverse=True)
    return Relevance(
        round(value, 4), seed_id, tuple(dict.fromkeys(labels.get(f, f) for _, f in parts[:8]))
    )


class RelevanceModel:
    """Scores texts against the seed profiles. Build once per crawl with :meth:`from_seeds`."""

    def __init__(self, profiles: list[SeedProfile], background: Background) -> None:
        self.profiles = profiles
        self.background = background
        self.max_n = max([2, *(len(f.split()) for p in profiles for f in p.weights)])
        # First units of the profiles' phrases, per lookup: only n-grams starting with one of
        # them can score, so no other n-gram of a page is built.
        self._snippets: dict[str, float] = {}  # anchors and slugs repeat: links are re-judged
        self._actors = frozenset(a for p in profiles for a in p.actors)
        self._pairs: dict[str, frozenset[frozenset[str]]] = {}  # language -> its seeds' pairs
        for p in profiles:
            self._pairs[p.language] = self._pairs.get(p.language, frozenset()) | {p.actors}
        self._starts = {
            "text": _phrase_starts(f for p in profiles for f in p.weights),
            "snippet": _phrase_starts(f for p in profiles for f in p.folded),
        }
        # Per language, every seed's features at their largest weight: the seeds' shared
        # matter, scored only for a text that names one seed's actors together.
        self.pooled: dict[str, tuple[dict[str, float], dict[str, str]]] = {}
        for p in profiles:
            weights, labels = self.pooled.setdefault(p.language, ({}, {}))
            for f, w in p.weights.items():
                weights[f] = max(weights.get(f, 0.0), w)
            labels.update(p.labels)

    @classmethod
    def from_seeds(
        cls, seeds: Iterable[Seed], background: Background | None = None
    ) -> RelevanceModel:
        bg = background if background is not None else Background.load()
        fold_df: Counter[str] = Counter()
        for f, n in bg.df.get("vi", {}).items():
            fold_df[tn.fold(f)] += n
        return cls([build_profile(s, bg, fold_df) for s in seeds], bg)

    def score(self, text: str, title: str | None = None, language: str | None = None) -> Relevance:
        # "vi-VN" -> "vi"; no language given -> guessed from the diacritics.
        language = (language or "").split("-")[0].lower() or tn.guess_language(
            f"{title or ''}\n{text}"
        )
        space, starts = tn.space_of(language), self._starts["text"]
        toks, title_toks = tn.tokens(text), tn.tokens(title or "")
        seq, title_seq = tn.units(text, space, toks), tn.units(title or "", space, title_toks)
        counts = tn.ngram_counts(seq, self.max_n, starts)
        names = tn.name_counts(text, space, toks=toks)
        for f, c in tn.ngram_counts(title_seq, self.max_n, starts).items():
            counts[f] += TITLE_WEIGHT * c
        for f, c in tn.name_counts(title or "", space, toks=title_toks).items():
            names[f] += TITLE_WEIGHT * c
        norm = 1 - B + B * len(seq) / self.background.avg_len.get(space, 400.0)
        # Named together by the title and lead: the actors of one seed's story. Any seed's pair
        # will do, its vocabulary may be another seed's (a Russia-US sanctions story worded like
        # the Lithuanian Russia-Japan seed is still the seeds' topic).
        present = ac.actor_counts(ac.head(text, title), space).keys()
        named_ids = {p.seed_id for p in self.profiles if p.actors and p.actors <= present}
        together = bool(named_ids)
        best, named = Relevance(0.0, None), {}
        for p in self.profiles:
            if p.language == language:
                raw, parts = _cover(p.weights, counts, norm)
                labels = p.labels
            else:
                raw, parts = _cover(p.names, names, norm)
                raw, labels = raw * CROSS_DISCOUNT, p.name_labels
            if not together:
                raw *= LOOKALIKE_FACTOR
            value = 1 - math.exp(-raw / SCALE)
            if p.seed_id in named_ids:
                named[p.seed_id] = (value, raw, p, parts, labels)
            if value > best.score:
                best = _explained(value, p.seed_id, parts, labels)
        if together:
            # The pair rule keeps other actors' stories out, so the seeds' evidence may be
            # added up: a Russia-NATO story about an exercise shares words with the NATO seed
            # and with the Russia-Japan ones. A pair no seed of the text's language is about
            # (a Lithuanian Russia-US story) adds its seeds' names across the languages; one
            # that seeds of both languages are about adds the other language's names of its
            # matter.
            weights, labels = self.pooled.get(language or "", ({}, {}))
            raw, parts = _cover(weights, counts, norm)
            own = self._pairs.get(language or "", frozenset())
            across = []
            for _, p_raw, p, p_parts, p_labels in named.values():
                if p.language == language:
                    continue
                if p.actors in own:  # only the names beside the two actors (the islands, not
                    # Russia and Japan, which every story the pair rule lets in names)
                    p_raw, p_parts = _cover(p.matter_names, names, norm)
                    p_raw *= CROSS_DISCOUNT
                across.append((p_raw, p_parts, p_labels))
            if across:
                b_raw, b_parts, b_labels = max(across, key=lambda e: e[0])
                raw, parts, labels = raw + b_raw, parts + b_parts, {**labels, **b_labels}
            value = 1 - math.exp(-raw / SCALE)
            if value > best.score:  # named for the closest seed of the named pair
                seed_id = max(named.values(), key=lambda v: v[0])[2].seed_id
                best = _explained(value, seed_id, parts, labels)
        return best

    def score_snippet(self, text: str) -> float:
        """Anchor text, a URL slug, a feed title: no language, maybe no diacritics."""
        if (known := self._snippets.get(text)) is not None:
            return known
        toks, starts = tn.tokens(text), self._starts["snippet"]
        grams = {
            "vi": tn.ngram_counts([tn.fold_word(t) for t in toks], self.max_n, starts),
            "lt": tn.ngram_counts(tn.units(text, "lt", toks), self.max_n, starts),
        }
        names = tn.name_counts(text, "any", toks=toks)
        # A headline that names a seed's actor but none of the seeds' pairs is a look-alike's,
        # as a text's head is (Putin and Erdogan, Kishida and Biden); one that names no actor
        # (a slug, "former islanders lose their visits") is not judged by the rule.
        present = ac.snippet_actors(text)
        paired = any(p.actors <= present for p in self.profiles if p.actors)
        factor = LOOKALIKE_FACTOR if present & self._actors and not paired else 1.0
        best = 0.0
        for p in self.profiles:
            raw = factor * max(
                sum(p.folded.get(g, 0.0) for g in grams[p.space]),
                CROSS_DISCOUNT * sum(p.names.get(k, 0.0) for k in names),
            )
            best = max(best, 1 - math.exp(-raw / SNIPPET_SCALE))
        if len(self._snippets) < 1 << 16:  # a crawl's working set; bounded all the same
            self._snippets[text] = round(best, 4)
        return round(best, 4)
