"""Text normalisation shared by relevance scoring and link prioritisation.

Pure functions; the per-word ones are memoised (a text's words repeat, a crawl's vocabulary
is bounded, and these run for every page and every link). Two languages shape the choices:

* Vietnamese writes one syllable per space-separated token, so words ("Nhật Bản", "hiệp ước")
  are syllable n-grams, and a syllable's diacritics carry meaning ("nhật" Japan, "nhất" most).
  URL slugs drop every diacritic, so matching them needs the folded form.
* Lithuanian inflects nouns, names included (Rusija, Rusijos, Rusiją; Lavrovas, Lavrovo), so
  words are reduced by a light suffix stripper (:func:`lt_stem`) rather than a dictionary: names
  are mostly out of any dictionary, and the stripper is a dozen transparent lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from functools import lru_cache

_TOKEN_RE = re.compile(r"[^\W_]+")
_WORD_RE = re.compile(r"[^\W\d_]+")
# What precedes a capitalised word that starts a sentence (it need not be a name).
_SENTENCE_START = re.compile(r"(?:[.!?…:]\s|\n)[\s„“\"«(–-]*$")
# Vietnamese syllable shape on the folded form: optional initial, 1-3 vowels, optional final.
# Foreign names (putin, nato, abe, kuril, trump, minsk) fail it, which is how a name that
# can bridge the two languages is told from a native syllable.
_VI_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?$"
)
# Combining marks after NFD that only one of the two languages uses (plus đ for Vietnamese).
_VI_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")
_LT_MARKS = frozenset("\u0304\u0307\u030c\u0328")


def _words(text: str) -> list[str]:
    return text.split()


# Lithuanian inflectional endings on the folded form (ą→a, ė→e, ų→u …), longest first.
_LT_ENDINGS = sorted(
    _words("""iuose iomis iaus iuje umi imi iems iams ioms iais uose omis emis imis ieji ieje
    oje eje uje yje ams oms ems ais ose ese yse ius ias ies iai iui iu io ia ie as is ys us os
    es ai ei ui ti a e i o u y"""),
    key=len,
    reverse=True,
)
_LT_MIN_STEM = 3
# A feature is a stem's first five letters: the stripper removes inflection, not derivation, and
# words of one root (diplomatija/diplomatinis, susitarė/susitarimas) should meet, as truncation
# stemming does for inflected languages (McNamee, Nicholas and Mayfield, SIGIR 2009). Names keep
# their whole stem (name_key): Kishida is not Kishimoto.
LT_PREFIX = 5

# Function words: never topic evidence. Vietnamese as syllables, Lithuanian folded (the
# stemmer runs over them at import, so inflected forms of the same word are covered too).
_VI_STOP = frozenset(
    _words("""của và các những là có được trong cho với này đã sẽ không một
    người về khi từ để theo đến tại thì mà nhưng hay hoặc cũng như nên vì do bởi trên dưới ra
    vào lại rằng đó đây nào gì ai sau trước hơn rất đều chỉ còn vẫn đang bị làm nói biết ông bà
    anh chị họ chúng tôi ta nó mình hai ba bốn năm nhiều ít mỗi cả hết thêm khác cùng giữa qua
    ngày tháng việc điều cuộc thể nay hôm lần số nhằm tới luôn vừa mới sự hiện nhất""")
)
_LT_STOP_WORDS = _words("""ir bei o bet kad jog tai su is i del per nuo iki po pries apie uz
    prie pas tarp be ar ne nei taip pat kaip kur kada kai jau dar tik net vis visi jis ji jie
    jos jo ju jam jai jiems mes jus as tu sis si sie tas ta tie tos kuris kuri kurie kurios
    kurio yra buvo bus butu buti gali turi nors nes todel taciau tada cia ten savo sau mano
    musu kiek koks kokia metu metai proc val sake teige pranese nuotr dabar""")

# Vietnamese spellings of the entities whose Lithuanian stems are their name keys, so that
# "Nga" can meet "Rusija". Only the seeds' core entities; extend with care.
ALIASES = {
    "nga": "rusij",
    "nhật bản": "japonij",
    "nga nhật": "japonij",
    "mỹ": "jav",
    "hoa kỳ": "jav",
    "moscow": "maskv",
    "matxcơva": "maskv",
    "moskva": "maskv",
    "tokyo": "tokij",
    "ukraine": "ukrain",
    "crimea": "krym",
    "crưm": "krym",
    "brussels": "briusel",
    "brussel": "briusel",
    "syria": "sirij",
    "kremlin": "kreml",
    "trung quốc": "kinij",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC then casefold: precomposed and decomposed Vietnamese become the same string."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def fold(text: str) -> str:
    """Drop every diacritic, as URL slugs do. đ is a letter of its own, not a d with a mark,
    so NFD leaves it alone: map it by hand."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Normalised word tokens. Pure numbers (dates, counts) carry no topic and are dropped.
    Titles run together without a space ("thăm MỹTổng thống") are split at the case change."""
    chars: list[str] = []
    lower = False
    for ch in nfc(text):
        if lower and ch.isupper():
            chars.append(" ")
        chars.append(ch)
        lower = ch.islower()
    return [t for t in _TOKEN_RE.findall(normalize("".join(chars))) if not t.isdigit()]


# The first words of the phrase aliases: only bigrams starting with one are counted.
_ALIAS_STARTS = frozenset(alias.split()[0] for alias in ALIASES if " " in alias)
_FOLDED_ALIAS_STARTS = frozenset(fold(start) for start in _ALIAS_STARTS)
# Entries per memoised word function: a crawl's working vocabulary, a few MB at most.
_WORDS = 1 << 14


@lru_cache(maxsize=_WORDS)
def fold_word(word: str) -> str:
    """:func:`fold` of one word, memoised."""
    return fold(word)


@lru_cache(maxsize=_WORDS)
def lt_stem(word: str) -> str:
    """Strip one Lithuanian ending from a folded, casefolded word, keeping >= 3 letters."""
    for ending in _LT_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _LT_MIN_STEM:
            return word[: -len(ending)]
    return word


# A foreign name is spelled with each language's letters: English romanisation, which the
# Vietnamese press uses, writes sh, zh, kh and w where Lithuanian writes š, ž, ch and v
# (Shikotan/Šikotanas, Kunashir/Kunaširas, Zakharova/Zacharova, Washington/Vašingtonas).
# Name keys are respelled after folding, one pass, so both meet. Not "ch": English ch is
# Lithuanian č (Chekhov/Čechovas) while Lithuanian ch is English kh (Mikhail/Michailas).
_RESPELL = {"shch": "sc", "sh": "s", "zh": "z", "kh": "ch", "w": "v"}
_RESPELLING = re.compile("|".join(sorted(_RESPELL, key=len, reverse=True)))


@lru_cache(maxsize=_WORDS)
def name_key(token: str) -> str:
    """The language-neutral key of a name: folded, respelled and stemmed, so Putin/Putinas,
    Lavrov/Lavrovo, Kuril/Kurilai, Shoigu/Šoigu and NATO/nato meet on one key across both
    languages."""
    folded = _RESPELLING.sub(lambda m: _RESPELL[m.group()], fold_word(normalize(token)))
    return lt_stem(folded)


@lru_cache(maxsize=_WORDS)
def is_vi_syllable(token: str) -> bool:
    return _VI_SYLLABLE_RE.match(fold_word(token)) is not None


def is_stopword(unit: str, language: str) -> bool:
    return unit in (_VI_STOP if language == "vi" else LT_STOP)


def guess_language(text: str) -> str | None:
    """'vi' or 'lt' from the diacritics a text uses; None when it has too few (slugs)."""
    vi = lt = 0
    for ch in unicodedata.normalize("NFD", text[:5000]):
        if ch in _VI_MARKS or ch in "đĐ":
            vi += 1
        elif ch in _LT_MARKS:
            lt += 1
    if max(vi, lt) < 3:
        return None
    return "vi" if vi > lt else "lt"


def stems(words: Iterable[str]) -> frozenset[str]:
    return frozenset(lt_stem(fold(w)) for w in words)


LT_STOP = frozenset(w[:LT_PREFIX] for w in stems(_LT_STOP_WORDS) | frozenset(_LT_STOP_WORDS))


def space_of(language: str | None) -> str:
    """Feature space: Vietnamese syllables, or Lithuanian-style stems for everything else."""
    return "vi" if language == "vi" else "lt"


def units(text: str, space: str, toks: list[str] | None = None) -> list[str]:
    """The text's feature units (``toks``: its :func:`tokens`, when already known)."""
    toks = tokens(text) if toks is None else toks
    return toks if space == "vi" else [lt_stem(fold_word(t))[:LT_PREFIX] for t in toks]


def ngram_counts(
    seq: list[str], max_n: int, starts: Collection[str] | None = None
) -> Counter[str]:
    """Counts of the 1..max_n-grams of ``seq``. With ``starts``, only n-grams (n >= 2) whose
    first unit is in it are counted: a scorer that looks up a fixed vocabulary passes the
    first units of its phrases, and builds no string it could never look up."""
    counts: Counter[str] = Counter(seq)
    last = len(seq)
    for i, unit in enumerate(seq):
        if starts is not None and unit not in starts:
            continue
        for n in range(2, min(max_n, last - i) + 1):
            counts[" ".join(seq[i : i + n])] += 1
    return counts


def name_counts(
    text: str, space: str, *, profile_side: bool = False, toks: list[str] | None = None
) -> Counter[str]:
    """Language-neutral name keys. In Vietnamese a name is a token that is no Vietnamese
    syllable (plus :data:`ALIASES`); elsewhere every token on the scored side (the profile
    restricts), and on a seed only capitalised tokens that do not start a sentence."""
    counts: Counter[str] = Counter()
    if space == "vi":
        toks = tokens(text) if toks is None else toks
        counts.update(name_key(t) for t in toks if len(t) > 2 and not is_vi_syllable(t))
        grams = ngram_counts(toks, 2, _ALIAS_STARTS)
        for alias, key in ALIASES.items():
            counts[key] += grams[alias]
    elif profile_side:
        text = nfc(text)
        for m in _WORD_RE.finditer(text):
            before = ("\n" + text)[max(0, m.start() - 8) : m.start() + 1]
            if m.group()[0].isupper() and len(m.group()) > 2 and not _SENTENCE_START.search(before):
                counts[name_key(normalize(m.group()))] += 1
    elif space == "any":  # a slug or an anchor of unknown language, maybe without diacritics
        folded = [fold_word(t) for t in (tokens(text) if toks is None else toks)]
        counts.update(name_key(t) for t in folded)
        grams = ngram_counts(folded, 2, _FOLDED_ALIAS_STARTS)
        for alias, key in ALIASES.items():
            counts[key] += grams[fold(alias)]
    else:
        counts.update(name_key(t) for t in (tokens(text) if toks is None else toks))
    return +counts
