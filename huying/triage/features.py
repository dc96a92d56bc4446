"""Character n-gram TF-IDF features, vectorised with numpy (no word segmentation).

Every character n-gram of a normalised text is mapped to a 64-bit key by a polynomial hash
(exact enough: collisions among a few million n-grams in a 2**64 space are negligible). The
whole batch is processed at once as one array of code points, so no Python loop runs per
message or per n-gram: this is what makes classification run at tens of thousands of
messages per second. A vocabulary is a sorted array of keys plus their IDF weights, which
stores as plain numpy arrays (no pickle).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_SPACES = re.compile(r"[^\S\x00]+")  # whitespace runs, but never the text separator
_DIGITS = re.compile(r"[0-9]+")
_PRIME = np.uint64(1_000_003)
_SEP = "\x00"


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, runs of digits → ``0``, spaces collapsed.

    Applied by :func:`ngram_keys` itself: callers pass raw text."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text)


def _codepoints(texts: Sequence[str]) -> np.ndarray:
    """All texts, normalised as one string (one C call per step, not one per text), as one
    uint64 array of code points with each text followed by a separator 0."""
    joined = normalize(_SEP.join(t.replace(_SEP, " ") for t in texts)) + _SEP
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def ngram_keys(
    texts: Sequence[str], ngram_range: tuple[int, int], seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, key) of every character n-gram of every normalised text, n in
    ``ngram_range``. ``seed`` gives a separate key space, e.g. for the subject alone.
    """
    cps = _codepoints(texts)
    is_sep = cps == 0
    seps_before = np.concatenate(([0], np.cumsum(is_sep)))  # seps in cps[:i]
    docs_out: list[np.ndarray] = []
    keys_out: list[np.ndarray] = []
    lo, hi = ngram_range
    with np.errstate(over="ignore"):
        h = np.zeros(len(cps), dtype=np.uint64)
        for n in range(1, hi + 1):
            m = len(cps) - n + 1
            if m <= 0:
                break
            h = h[:m] * _PRIME + cps[n - 1 : n - 1 + m]
            if n < lo:
                continue
            valid = (seps_before[n : n + m] - seps_before[:m]) == 0
            if not valid.any():
                continue
            tag = np.uint64((seed * 31 + n) * 0x9E3779B97F4A7C15 % 2**64)
            keys_out.append(h[valid] ^ tag)
            docs_out.append(seps_before[:m][valid])
    if not keys_out:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(docs_out).astype(np.int64), np.concatenate(keys_out)


@dataclass(frozen=True)
class Vocabulary:
    """Sorted n-gram keys with their IDF weights, for one field (key space ``seed``)."""

    keys: np.ndarray  # uint64, sorted, unique
    idf: np.ndarray  # float32, same length
    ngram_range: tuple[int, int]
    seed: int = 0

    def __len__(self) -> int:
        return len(self.keys)


def _counts(n_docs: int, docs: np.ndarray, cols: np.ndarray, n_cols: int) -> sp.csr_matrix:
    m = sp.csr_matrix(
        (np.ones(len(docs), dtype=np.float32), (docs, cols)), shape=(n_docs, n_cols)
    )
    m.sum_duplicates()
    return m


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF (1 + log tf) × IDF, rows L2-normalised."""
    x = counts.copy()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
    return x.astype(np.float32)


def fit_vocabulary(
    texts: Sequence[str],
    ngram_range: tuple[int, int] = (1, 3),
    min_df: int = 2,
    max_features: int | None = None,
    seed: int = 0,
) -> tuple[Vocabulary, sp.csr_matrix]:
    """Learn the vocabulary of ``texts`` and return it with their TF-IDF matrix."""
    n = len(texts)
    docs, keys = ngram_keys(texts, ngram_range, seed)
    uniq, inv = np.unique(keys, return_inverse=True)
    counts = _counts(n, docs, inv, len(uniq))
    df = np.bincount(counts.indices, minlength=len(uniq))
    keep = np.flatnonzero(df >= min_df)
    if max_features is not None and len(keep) > max_features:
        order = np.lexsort((keep, -df[keep]))  # most frequent first, ties by key order
        keep = np.sort(keep[order[:max_features]])
    idf = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    vocab = Vocabulary(keys=uniq[keep], idf=idf, ngram_range=ngram_range, seed=seed)
    return vocab, _tfidf(counts[:, keep], idf)


def transform_one(text: str, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """The one row of ``transform([text], vocab)`` as (columns, float32 weights), without a
    sparse matrix: a report is classified alone on intake's hot path, where the sparse
    matrices' fixed cost per call was most of the classification (docs/performance.md, P1)."""
    _, keys = ngram_keys([text], vocab.ngram_range, vocab.seed)
    if len(vocab) == 0 or len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    pos = np.searchsorted(vocab.keys, keys)
    pos[pos == len(vocab)] = 0
    cols, counts = np.unique(pos[vocab.keys[pos] == keys], return_counts=True)
    data = (1.0 + np.log(counts.astype(np.float32))) * vocab.idf[cols]
    norm = np.float32(np.sqrt(np.dot(data, data)))
    if norm > 0:
        data /= norm
    return cols, data.astype(np.float32, copy=False)


def transform(texts: Sequence[str], vocab: Vocabulary) -> sp.csr_matrix:
    """TF-IDF matrix of ``texts`` over a fitted vocabulary (unknown n-grams dropped)."""
    docs, keys = ngram_keys(texts, vocab.ngram_range, vocab.seed)
    if len(vocab) == 0:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    pos = np.searchsorted(vocab.keys, keys)
    pos[pos == len(vocab)] = 0
    found = vocab.keys[pos] == keys
    return _tfidf(_counts(len(texts), docs[found], pos[found], len(vocab)), vocab.idf)
