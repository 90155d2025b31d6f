"""Who a story is about: a seed's two main actors, and whether a text's head names both.

Vocabulary overlap cannot tell a Russia–Japan treaty story from a Russia–China one written in
the same diplomatic words, nor from a story about Russia alone: all three share "talks",
"treaty", "foreign minister" and "Russia". What a careful reader files with a seed is a story
about the seed's actors *together*, and a news story names its actors where it starts, in the
title and the lead. So each seed's actor pair is read from the seed itself (the two states or
blocs its title and text name most), and a text whose title and lead do not name both is a
look-alike for that seed (docs/relevance.md, "Actors").

Names are language-neutral keys (``normalize.name_key``): Rusija, Rusijos and "Nga" all become
``rusij``. Officials, capitals and seats of government stand for their state, as news prose uses
them ("Putin", "the Kremlin", "Tokyo"): :data:`STANDS_FOR`.
"""

from __future__ import annotations

import re
from collections import Counter

from crawler.text import normalize as tn

# Name key -> the state or bloc it stands for. Only the seeds' actors (Russia, Japan, the
# United States, NATO), like normalize.ALIASES: a seed about another country needs its entries.
_STANDS_FOR = {
    "rusij": "Putin Putinas Lavrov Lavrovas Kremlius Maskva Moskva Medvedev Medvedevas Peskov "
    "Peskovas Shoigu Šoigu Zakharova Zacharova Nebenzia Nebenzya rusų rusai",
    "japonij": "Abe Kishida Tokyo Tokijas Suga Motegi Kono japonų japonai",
    "jav": "Trump Trumpas Pompeo Washington Vašingtonas Obama Kerry Tillerson Tillersonas Biden "
    "Baidenas Blinken Blinkenas amerikiečiai",
    "nat": "Stoltenberg Stoltenbergas Rutte",
}
STANDS_FOR = {tn.name_key(w): state for state, ws in _STANDS_FOR.items() for w in ws.split()}
LEAD_TOKENS = 60  # of the lead sentence: a lead run on without a full stop is cut here
# A sentence ends at ".!?…" before a space and a capital or an opening quote, or at a line end;
# "V. Putin" and "S.Abe" do not end one (one capital letter before the point).
_SENTENCE_END = re.compile(r"(?<!\b[^\W\d_])[.!?…][\"”»]?\s+(?=[„“\"«(]?[^\W\d_])|\n")
_WORD = re.compile(r"[^\W_]+")
# Vietnamese names of states are ordinary syllables ("Nga" Russia, "nga" in "thiên nga" swan;
# "Mỹ" the US, "mỹ" in "thẩm mỹ"): only their capitalised spelling names the state.
_VI_ACTOR_ALIASES = {
    **{k: v for k, v in tn.ALIASES.items() if k != "nga nhật"},  # "Nga - Nhật": two actors
    "nga": "rusij",
    "nhật bản": "japonij",
    "nhật": "japonij",
    "mỹ": "jav",
    "hoa kỳ": "jav",
    "trung quốc": "kinij",
    "nhà trắng": "jav",
    "điện kremlin": "rusij",
}
_NOT_JAPAN_BEFORE = frozenset({"chủ"})  # "Chủ Nhật": Sunday


def _vi_keys(words: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    lower = [tn.normalize(w) for w in words]
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if not word[0].isupper():
            continue
        pair = f"{lower[i]} {lower[i + 1]}" if i + 1 < len(words) else ""
        if pair in _VI_ACTOR_ALIASES and words[i + 1][0].isupper():
            counts[_VI_ACTOR_ALIASES[pair]] += 1
            skip = True
        elif lower[i] in _VI_ACTOR_ALIASES:
            if not (lower[i] == "nhật" and i and lower[i - 1] in _NOT_JAPAN_BEFORE):
                counts[_VI_ACTOR_ALIASES[lower[i]]] += 1
        elif not word.isdigit() and not tn.is_vi_syllable(lower[i]):
            counts[tn.name_key(word)] += 1
    return counts


def _lt_keys(words: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in words:
        key = tn.name_key(word)
        # Names are capitalised; a lowercase word counts only as a nationality ("rusų").
        if not word.isdigit() and (word[0].isupper() or key in STANDS_FOR):
            counts[key] += 1
    return counts


def _states(raw: Counter[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, n in raw.items():
        counts[STANDS_FOR.get(key, key)] += n
    return counts


def actor_counts(text: str, space: str) -> Counter[str]:
    """The states and blocs a text names, as name keys, officials and capitals counted for
    their state."""
    words = _WORD.findall(tn.nfc(text))
    return _states(_vi_keys(words) if space == "vi" else _lt_keys(words))


def snippet_actors(text: str) -> frozenset[str]:
    """The states and blocs a headline or anchor of unknown language names."""
    words = _WORD.findall(tn.nfc(text))
    return frozenset(_states(_vi_keys(words) + _lt_keys(words)))


def head(text: str, title: str | None) -> str:
    """The title and the lead sentence (at most :data:`LEAD_TOKENS` words of it)."""
    first = _SENTENCE_END.split(text.strip(), 1)[0]
    lead = " ".join(first.split(None, LEAD_TOKENS)[:LEAD_TOKENS])
    return f"{title or ''}\n{lead}"


def seed_actors(title: str, body: str, space: str) -> frozenset[str]:
    """A seed's two main actors: the names its title gives first, then the ones its text names
    most. Fewer than two (a seed about one state) means no pair to require."""
    in_title = actor_counts(title, space)
    in_text = actor_counts(body, space) + in_title
    ranked = sorted(in_text, key=lambda k: (k not in in_title, -in_text[k], k))
    # Only names the text repeats are actors; a passing mention (a news agency) is not.
    actors = [k for k in ranked if in_text[k] >= 3][:2]
    return frozenset(actors) if len(actors) == 2 else frozenset()
