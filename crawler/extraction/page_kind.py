"""Is this page an article, by its structure? A small gradient-boosted tree model.

The model reads the numbers of :mod:`crawler.extraction.structure` (the page's blocks, links,
markup claims, URL shape and the shape of its extracted text) and gives the probability that
the page is an article. It was trained by ``python -m bench.train_page_kind`` on development
pages only (the WCXB dev split of every page type, the Fundus dev half, ScrapingHub; see
``docs/extraction.md``), is shipped as JSON beside this module (``page_kind_model.json``) and
evaluated here in plain Python: nothing is downloaded or unpickled at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("page_kind_model.json")


@dataclass(frozen=True)
class Tree:
    feature: list[int]  # -1 on a leaf
    threshold: list[float]
    left: list[int]
    right: list[int]
    value: list[float]  # every node's value, so a path's steps can be attributed

    def leaf_path(self, row: list[float]) -> list[int]:
        node, path = 0, [0]
        while self.feature[node] >= 0:
            node = (self.left[node] if row[self.feature[node]] <= self.threshold[node]
                    else self.right[node])
            path.append(node)
        return path


@dataclass(frozen=True)
class Verdict:
    probability: float
    reason: str | None  # why the page is not an article; None when it is one


@dataclass(frozen=True)
class PageKindModel:
    features: tuple[str, ...]
    trees: tuple[Tree, ...]
    init: float  # log-odds before the first tree
    learning_rate: float
    threshold: float  # below this probability the page is not an article

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PageKindModel:
        return cls(tuple(data["features"]), tuple(Tree(**t) for t in data["trees"]),
                   float(data["init"]), float(data["learning_rate"]), float(data["threshold"]))

    def row(self, features: Mapping[str, float]) -> list[float]:
        return [float(features.get(name, 0.0)) for name in self.features]

    def contributions(self, features: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        """The log-odds and each feature's share of it (each split's step along the path)."""
        row = self.row(features)
        score, shares = self.init, dict.fromkeys(self.features, 0.0)
        for tree in self.trees:
            path = tree.leaf_path(row)
            for parent, child in pairwise(path):
                step = self.learning_rate * (tree.value[child] - tree.value[parent])
                shares[self.features[tree.feature[parent]]] += step
            score += self.learning_rate * tree.value[path[-1]]
        return score, shares

    def probability(self, features: Mapping[str, float]) -> float:
        row = self.row(features)
        return _sigmoid(self.init + self.learning_rate * sum(
            tree.value[tree.leaf_path(row)[-1]] for tree in self.trees))

    def judge(self, features: Mapping[str, float]) -> Verdict:
        probability = self.probability(features)
        if probability >= self.threshold:
            return Verdict(probability, None)
        _, shares = self.contributions(features)
        # The signal that pushed hardest towards "not an article" names the reason.
        signal = min(shares, key=lambda name: shares[name])
        return Verdict(probability, f"page structure: {signal}")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@lru_cache(maxsize=1)
def shipped_model() -> PageKindModel | None:
    """The model shipped with the package; None if the file is gone (the rules alone)."""
    try:
        data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return PageKindModel.from_json(data)
