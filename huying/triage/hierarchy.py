"""Suggestions at levels 1 to 3 of the category tree: P(level 1) from the classifier times
P(leaf | level 1) from the leaf model, the top paths with their joint probability.

The data has first-level labels only, so the leaf model learns from the taxonomy's names and
from unlabelled messages (distant supervision): a leaf's prototype is the character-bigram
TF-IDF vector of its names (level-3 and level-2), blended with the mean vector of the
unlabelled messages that contain its level-3 name. P(leaf | level 1) is a softmax of the
cosines over the leaves of that first level, at a temperature fitted on held-out unlabelled
messages whose leaf name was masked out (the only level-3 signal the data has; see
docs/triage.md, "Levels 2 and 3"). The probabilities reported go through isotonic maps of
P(leaf | level 1) and P(level 2 | level 1) fitted on the same masked-name messages
(``Hierarchy.calibration``; the ranking stays the softmax's)::

    h = default_hierarchy()
    h.suggest(default_classifier().predict_one("小区电梯坏了", "3栋电梯停运一周无人维修"),
              "小区电梯坏了", "3栋电梯停运一周无人维修")
    # [PathSuggestion(path=('城乡建设', '住房保障与房地产', '物业服务'), probability=0.41), ...]

Stored as a pickle-free ``.npz`` beside the classifier (``default_model/hierarchy.npz``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from huying.triage.classifier import KEYWORDS_PATH, Message, Prediction, _softmax, split_message
from huying.triage.features import Vocabulary, fit_vocabulary, transform

FORMAT = "huying-triage-hierarchy/1"
DEFAULT_HIERARCHY_PATH = Path(__file__).parent / "default_model" / "hierarchy.npz"
MAX_CHARS = 150
#: A leaf's prototype: this share from its names, the rest from the messages naming it.
NAME_SHARE = 0.5
#: Remove the mean of all messages from the messages' part of a prototype.
CENTRE = False
#: The report form shows a level-2 suggestion only this likely (more likely than not).
FORM_MIN = 0.5
#: A leaf named in more messages than this keeps the prototype of its names only.
MAX_NAMED: int | None = 100


@dataclass(frozen=True)
class PathSuggestion:
    path: tuple[str, str, str]  # (level 1, level 2, level 3)
    probability: float
    #: P(level 1) · P(the path's level 2 | level 1): its level 2 right (calibrated when the
    #: model has maps; NaN from a model without them: then level 2 sums its paths).
    level2_probability: float = float("nan")


def read_taxonomy(path: Path = KEYWORDS_PATH) -> list[tuple[str, str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["level1"], r["level2"], r["level3"]) for r in csv.DictReader(fh)]


def message_text(m: Message) -> str:
    s, d = split_message(m)
    return (s + " " + d)[:MAX_CHARS]


def _rownorm(x: sp.csr_matrix) -> sp.csr_matrix:
    n = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    n[n == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / n) @ x)


def name_matches(leaves: Sequence[tuple[str, str, str]], texts: Sequence[str]) -> list[list[int]]:
    """For every text, the leaves whose level-3 name (not 其他, 2+ characters) it contains."""
    out: list[list[int]] = [[] for _ in texts]
    for j, (_l1, _l2, l3) in enumerate(leaves):
        if l3 == "其他" or len(l3) < 2:
            continue
        for i, t in enumerate(texts):
            if l3 in t:
                out[i].append(j)
    return out


@dataclass
class Hierarchy:
    leaves: list[tuple[str, str, str]]
    vocab: Vocabulary
    prototypes: sp.csr_matrix  # (n_leaves, n_features), rows of unit length
    temperature: float = 0.05
    metadata: dict | None = None
    #: Calibration maps ``{"level2": (x, y), "leaf": (x, y)}``: P(level 2 | level 1) and
    #: P(leaf | level 1) → the rate at which such suggestions were right (isotonic, piecewise
    #: linear between the points), fitted on the masked-name messages only
    #: (``scripts/triage_hierarchy.py calibration``). None: the softmax is reported as it is.
    calibration: dict[str, tuple[list[float], list[float]]] | None = None

    def calibrated(self, kind: str, p: np.ndarray) -> np.ndarray:
        """``p`` through the ``kind`` map ("level2" or "leaf"), or unchanged without one."""
        if not self.calibration or kind not in self.calibration:
            return p
        x, y = self.calibration[kind]
        return np.interp(p, x, y)

    @classmethod
    def fit(cls, pool: Sequence[Message], leaves: Sequence[tuple[str, str, str]] | None = None,
            *, level1: Sequence[str] | None = None, name_share: float = NAME_SHARE,
            centre: bool = CENTRE, max_named: int | None = MAX_NAMED) -> Hierarchy:
        """Prototypes from the names and from the ``pool`` messages naming a leaf (of a first
        level in ``level1`` when given). The temperature stays 0.05 (see :meth:`calibrate`)."""
        leaves = list(leaves or read_taxonomy())
        texts = [message_text(m) for m in pool]
        names = [f"{l3} {l3} {l2}" if l3 != "其他" else f"{l2} {l2}" for _l1, l2, l3 in leaves]
        vocab, _ = fit_vocabulary(texts + names, (1, 2), 1)
        xn = _rownorm(transform(names, vocab))
        xp = _rownorm(transform(texts, vocab)) if texts else sp.csr_matrix((0, len(vocab)))
        rows, cols = [], []
        for i, js in enumerate(name_matches(leaves, texts)):
            for j in js:
                if level1 is None or leaves[j][0] in level1:
                    rows.append(j)
                    cols.append(i)
        assign = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(leaves), len(texts)))
        counts = np.asarray(assign.sum(axis=1)).ravel()
        if max_named is not None:  # a name in that many messages is a common phrase, not a topic
            generic = np.flatnonzero(counts > max_named)
            assign = sp.csr_matrix(sp.diags(np.where(counts > max_named, 0.0, 1.0)) @ assign)
            assign.eliminate_zeros()
            counts[generic] = 0
        mean = _rownorm(sp.csr_matrix(assign @ xp))
        if centre and xp.shape[0]:  # what every message shares is no sign of a leaf
            mu = np.asarray(xp.mean(axis=0)).ravel()
            mean = sp.csr_matrix(mean.toarray() - np.outer(counts > 0, mu))
            mean.data[mean.data < 0] = 0
            mean.eliminate_zeros()
            mean = _rownorm(mean)
        share = np.where(counts > 0, name_share, 1.0)
        proto = sp.diags(share) @ xn + sp.diags(1 - share) @ mean
        return cls(leaves, vocab, _rownorm(sp.csr_matrix(proto)).astype(np.float32),
                   metadata={"n_pool": len(texts), "leaves_with_messages": int((counts > 0).sum()),
                             "messages_naming_a_leaf": int(assign.getnnz(axis=0).astype(bool).sum())})

    def scores(self, texts: Sequence[Message]) -> np.ndarray:
        """Cosine of each message with each leaf prototype: (n_messages, n_leaves)."""
        x = _rownorm(transform([message_text(m) for m in texts], self.vocab))
        return np.asarray((x @ self.prototypes.T).todense())

    def conditional(self, scores: np.ndarray, level1: str) -> tuple[np.ndarray, np.ndarray]:
        """(leaf indices of ``level1``, P(leaf | level1) for each row of ``scores``)."""
        idx = np.array([j for j, leaf in enumerate(self.leaves) if leaf[0] == level1], dtype=int)
        if len(idx) == 0:
            return idx, np.zeros((scores.shape[0], 0))
        return idx, _softmax(scores[:, idx] / self.temperature)

    def suggest_many(self, predictions: Sequence[Prediction], texts: Sequence[Message],
                     k: int = 3) -> list[list[PathSuggestion]]:
        """The top ``k`` paths of each message by P(level 1) · P(leaf | level 1), over the
        first levels of its prediction's top list."""
        s = self.scores(texts)
        out: list[list[PathSuggestion]] = []
        for row, pred in zip(s, predictions, strict=True):
            cands: list[tuple[float, PathSuggestion]] = []
            for l1, p1 in pred.top:
                idx, cond = self.conditional(row[None, :], l1)
                c = cond[0]
                leaf = self.calibrated("leaf", c)
                if self.calibration:
                    level2 = [self.leaves[j][1] for j in idx]
                    sums: dict[str, float] = {}
                    for name, ci in zip(level2, c, strict=True):
                        sums[name] = sums.get(name, 0.0) + float(ci)
                    l2p = self.calibrated("level2", np.array([sums[name] for name in level2]))
                else:
                    l2p = np.full(len(idx), np.nan)
                # ranked by the softmax (a map is monotone but may tie), reported calibrated
                cands += [(float(p1 * ci), PathSuggestion(self.leaves[j], float(p1 * li), float(p1 * l2)))
                          for j, ci, li, l2 in zip(idx, c, leaf, l2p, strict=True)]
            cands.sort(key=lambda c: -c[0])
            out.append([c for _, c in cands[:k]])
        return out

    def suggest(self, prediction: Prediction, subject: str, detail: str, k: int = 3) -> list[PathSuggestion]:
        return self.suggest_many([prediction], [(subject, detail)], k)[0]

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        header = {"format": FORMAT, "leaves": self.leaves, "temperature": self.temperature,
                  "ngram_range": list(self.vocab.ngram_range), "seed": self.vocab.seed,
                  "metadata": self.metadata or {}, "calibration": self.calibration}
        p = self.prototypes.tocsr()
        arrays = {"header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
                  "keys": self.vocab.keys, "idf": self.vocab.idf.astype(np.float16),
                  "data": p.data.astype(np.float16), "indices": p.indices.astype(np.int32),
                  "indptr": p.indptr.astype(np.int32)}
        path = Path(path)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        path.write_bytes(buf.getvalue())
        return path

    @classmethod
    def load(cls, path: str | Path) -> Hierarchy:
        with np.load(Path(path), allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        header = json.loads(a["header"].tobytes().decode())
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: not a huying hierarchy model")
        vocab = Vocabulary(a["keys"], a["idf"].astype(np.float32), tuple(header["ngram_range"]),  # type: ignore[arg-type]
                           header["seed"])
        leaves = [tuple(leaf) for leaf in header["leaves"]]
        proto = sp.csr_matrix((a["data"].astype(np.float32), a["indices"], a["indptr"]),
                              shape=(len(leaves), len(vocab)))
        cal = header.get("calibration")
        return cls(leaves, vocab, proto, float(header["temperature"]), header["metadata"],  # type: ignore[arg-type]
                   {kind: (list(xy[0]), list(xy[1])) for kind, xy in cal.items()} if cal else None)


@lru_cache(maxsize=1)
def default_hierarchy() -> Hierarchy:
    """The leaf model shipped in ``huying/triage/default_model`` (loaded once per process)."""
    return Hierarchy.load(DEFAULT_HIERARCHY_PATH)


def level2_suggestions(level1: Sequence[tuple[str, float]], subject: str, detail: str, *,
                       k: int = 3, min_probability: float = 0.05,
                       hierarchy: Hierarchy | None = None) -> list[tuple[str, str, float]]:
    """(level-1 name, level-2 name, probability) of the level-2 categories of the top ``k``
    paths, each once, best first, at least ``min_probability``: P(level 1) · the calibrated
    P(level 2 | level 1) when the model has calibration maps, else its paths' probabilities
    summed. ``level1``: the classifier's (name, probability) suggestions."""
    if not level1:
        return []
    h = hierarchy or default_hierarchy()
    pred = Prediction(level1[0][0], level1[0][1], list(level1))
    merged: dict[tuple[str, str], float] = {}
    for p in h.suggest(pred, subject, detail, k=k):
        if h.calibration:
            merged[p.path[:2]] = p.level2_probability
        else:
            merged[p.path[:2]] = merged.get(p.path[:2], 0.0) + p.probability
    return [(l1, l2, pr) for (l1, l2), pr in sorted(merged.items(), key=lambda kv: -kv[1])
            if pr >= min_probability]
