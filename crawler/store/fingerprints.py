"""Text fingerprints: the exact-duplicate hash and the MinHash signature of a text.

Pure functions of the text; :mod:`crawler.store.dedup` stores them and decides with them.

- **Exact duplicates**: :func:`content_hash` of the text as a reader sees it (NFC, whitespace
  and case folded).
- **Near-duplicates**: a MinHash signature (datasketch) over word 3-grams, split into LSH bands.
  The band layout is fixed so that the persisted index never has to be rebuilt when the
  threshold setting moves; it finds 93% of pairs at 0.4 and 99.5% at 0.5 (docs/dedup.md).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

NUM_PERM = 120
BANDS = 40
ROWS = NUM_PERM // BANDS  # 3 rows a band: P(candidate) = 1 - (1 - J^3)^40
SHINGLE_WORDS = 3
MINHASH_SEED = 1  # seed and scheme fixed: signatures stored by one process are compared by
MINHASH_SCHEME = "affine32"  # every other, and by later datasketch versions

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


def normalize_text(text: str) -> str:
    """The text as a reader sees it: NFC, whitespace collapsed, case folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def content_hash(text: str) -> str:
    """The exact-duplicate key: SHA-256 of :func:`normalize_text`."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of the normalised text (a short text is one shingle)."""
    words = _WORD.findall(normalize_text(text))
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Signature:
    """A MinHash signature: NUM_PERM uint32 values."""

    values: np.ndarray[tuple[int], np.dtype[np.uint32]]

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32))

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return float(np.count_nonzero(self.values == other.values)) / NUM_PERM

    def bands(self) -> list[tuple[int, int]]:
        """(band, bucket) pairs: a signed 64-bit hash of each band's rows (fits BIGINT)."""
        data = self.values.astype("<u4")
        out = []
        for band in range(BANDS):
            chunk = data[band * ROWS : (band + 1) * ROWS].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "big", signed=True)))
        return out


def signature(text: str) -> Signature:
    """The MinHash signature of a text's shingles."""
    minhash = MinHash(
        num_perm=NUM_PERM, seed=MINHASH_SEED, permutations=_PERMUTATIONS, scheme=MINHASH_SCHEME
    )
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return Signature(minhash.hashvalues.astype(np.uint32))


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' shingle sets (for measurements and tests)."""
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def candidate_probability(similarity: float) -> float:
    """The chance that LSH proposes a pair of this Jaccard similarity as a candidate."""
    return float(1.0 - (1.0 - similarity**ROWS) ** BANDS)
