"""A seed as a weighted term profile (docs/relevance.md): the words and syllable pairs of its
cleaned text and title plus the manifest's ``terms``, each weighted by an IDF from the
background of ordinary news pages; its names; its diacritic-free forms for snippets; and the
two actors its story is about (crawler/focus/actors.py)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crawler.focus import actors as ac
from crawler.focus.background import Background
from crawler.seeds import Seed
from crawler.text import normalize as tn

# Seed files end in recommendations, ads, comment boxes: the first such line ends the article.
_TRAILERS = re.compile(
    r"^\s*(bạn có thể quan tâm|ý kiến bình luận|thông tin doanh nghiệp|tin cùng chuyên mục"
    r"|pranešti klaidą|reklama)\b",
    re.IGNORECASE,
)
_SENTENCE_END = '.!?…"”»)'

PROFILE_SIZE = 80  # seed features kept besides the terms: enough for the topic, not the trivia
NAME_PROFILE_SIZE = 40
TERM_BOOST = 2.0  # a manifest term weighs as much as a seed word seen ~e^2 times
TITLE_WEIGHT = 2  # a title's words count twice, in seeds and in scored texts


@dataclass(frozen=True)
class SeedProfile:
    """One seed as the scorer sees it: weighted features, names, folded forms, actors."""

    seed_id: str
    language: str
    space: str
    weights: Mapping[str, float]  # feature -> weight, summing to 1
    names: Mapping[str, float]  # name key -> weight, summing to 1
    folded: Mapping[str, float]  # diacritic-free features for snippets
    labels: Mapping[str, str]  # feature -> the manifest term it came from, or the seed's word
    name_labels: Mapping[str, str]  # name key -> the manifest term it came from
    actors: frozenset[str] = frozenset()  # the two states or blocs the seed's story is about
    matter_names: Mapping[str, float] = field(default_factory=dict)  # names but the actors'


def _normalised(
    weights: Mapping[str, float], keep: int, always: Iterable[str] = ()
) -> dict[str, float]:
    chosen = dict(sorted(weights.items(), key=lambda kv: -kv[1])[:keep])
    chosen.update({f: weights[f] for f in always if f in weights})
    total = sum(chosen.values()) or 1.0
    return {f: w / total for f, w in chosen.items() if w > 0}


def _content_counts(seq: list[str], space: str) -> Counter[str]:
    """Seed-side features: content unigrams and bigrams, no function words."""
    stop = [tn.is_stopword(u, space) or len(u) < 2 for u in seq]
    counts: Counter[str] = Counter(u for u, s in zip(seq, stop, strict=True) if not s)
    counts.update(
        f"{seq[i]} {seq[i + 1]}" for i in range(len(seq) - 1) if not (stop[i] or stop[i + 1])
    )
    return counts


def build_profile(seed: Seed, bg: Background, fold_df: Mapping[str, int]) -> SeedProfile:
    space = tn.space_of(seed.language)
    body = clean_seed_text(seed.text)
    counts = _content_counts(tn.units(body, space), space)
    for f, c in _content_counts(tn.units(seed.title, space), space).items():
        counts[f] += TITLE_WEIGHT * c
    raw = {f: bg.idf(space, f) * (1 + math.log(c)) for f, c in counts.items()}
    names_raw: Counter[str] = tn.name_counts(f"{seed.title}\n{body}", space, profile_side=True)
    labels: dict[str, str] = {}
    name_labels: dict[str, str] = {}
    for term in seed.terms:
        feature = " ".join(tn.units(term, space))
        if feature:
            labels[feature] = term
            raw[feature] = raw.get(feature, 0.0) + TERM_BOOST * bg.idf(space, feature)
        term_names = tn.name_counts(term, space, profile_side=True)
        names_raw.update(term_names)
        name_labels.update((k, term) for k in term_names if k not in name_labels)
    weights = _normalised(raw, PROFILE_SIZE, always=labels)
    if space == "lt":  # a five-letter stem reads badly in an explanation: show the seed's word
        spelled = _spellings(f"{seed.title}\n{body}")
        for f in weights:
            labels.setdefault(f, " ".join(spelled.get(u, u) for u in f.split()))
    names = _normalised(
        {k: bg.idf("name", k) * (1 + math.log(c)) for k, c in names_raw.items()}, NAME_PROFILE_SIZE
    )
    folded: dict[str, float] = {}
    for f, w in weights.items():
        g = tn.fold(f)
        # A folded form shared by several words ("nhat": nhật Japan, nhất most) keeps only the
        # share of this word among the background pages that use the folded form.
        share = 1.0
        if space == "vi":
            share = min(1.0, (bg.df.get(space, {}).get(f, 0) + 1) / (fold_df.get(g, 0) + 1))
        folded[g] = folded.get(g, 0.0) + w * share
    actors = ac.seed_actors(seed.title, body, space)
    matter = {k: w for k, w in names.items() if ac.STANDS_FOR.get(k, k) not in actors}
    return SeedProfile(
        seed.id, seed.language, space, weights, names, folded, labels, name_labels, actors, matter
    )


def _spellings(text: str) -> dict[str, str]:
    """Lithuanian feature unit -> the word the text writes most often for it."""
    toks = tn.tokens(text)
    seen: Counter[tuple[str, str]] = Counter(zip(tn.units(text, "lt", toks), toks, strict=True))
    spelled: dict[str, str] = {}
    for (unit, word), _ in seen.most_common():
        spelled.setdefault(unit, word)
    return spelled


def clean_seed_text(text: str) -> str:
    """The seed's article body: cut at the first trailer (recommendations, ads, comments),
    drop short unpunctuated lines (menus, teasers, bylines, event lists) and repeats."""
    kept: list[str] = []
    for line in tn.nfc(text).splitlines():
        line = line.strip().strip("|").strip()
        if _TRAILERS.match(line):
            break
        if line in kept or not (len(tn.tokens(line)) >= 12 or line.endswith(tuple(_SENTENCE_END))):
            continue
        kept.append(line)
    return "\n".join(kept)
