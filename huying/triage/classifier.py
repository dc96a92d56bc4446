"""The served text classifier: first-level category of a resident's message.

Character n-gram TF-IDF of up to three fields — the first 150 characters of subject + detail,
the subject alone, and (optionally) the whole text — and a linear model: by default the mean of
a linear SVM and two complement naive Bayes models (each one's scores divided by their spread on
the training rows), which folds into one weight matrix; ``Config(model="lr")`` is the earlier
multinomial logistic regression. The category names and sub-category names of the taxonomy
(``default_model/keywords.csv``) join the training data as short extra documents. A temperature
fitted on held-out predictions makes the confidence calibrated. Training uses scikit-learn; a
trained model is plain numpy arrays and JSON (``.npz`` without pickle), so loading runs no
foreign code and needs no scikit-learn.

    clf = default_classifier()
    p = clf.predict_one("小区电梯坏了", "3栋电梯停运一周无人维修")
    p.label, p.confidence, p.top       # '城乡建设', 0.83, [('城乡建设', 0.83), ...]
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from huying.triage.features import Vocabulary, fit_vocabulary, transform, transform_one
from huying.triage.glossary import to_chinese

FORMAT = "huying-triage-ngram-lr/1"
DEFAULT_MODEL_PATH = Path(__file__).parent / "default_model" / "model.npz"
#: The model of the taxonomy's names alone (:func:`names_classifier`).
NAMES_MODEL_PATH = Path(__file__).parent / "default_model" / "names.npz"
KEYWORDS_PATH = Path(__file__).parent / "default_model" / "keywords.csv"
DEFAULT_THRESHOLD = 0.5

#: A message: (subject, detail). A bare string is taken as a detail with no subject.
Message = tuple[str, str] | str


class ModelError(Exception):
    """A model file that cannot be read (missing, corrupt, wrong format)."""


@dataclass(frozen=True)
class Config:
    """Training settings; the defaults are the ones chosen in docs/triage.md."""

    ngram_range: tuple[int, int] = (1, 2)
    subject_weight: float = 0.5  # 0 disables the subject-only field
    min_df: int = 2
    max_features: int | None = 200_000
    model: str = "svm+nb"  # "svm+nb" (LinearSVC + complement NB, averaged), "svm" or "lr"
    C: float = 1.0  # LinearSVC C (model "svm+nb") or LogisticRegression C (model "lr")
    nb_alpha: float = 0.1  # complement naive Bayes smoothing (model "svm+nb")
    long_field: bool = False  # "svm+nb": a third field, the whole text, seen by a second NB
    long_max_chars: int | None = 2000  # bound of the whole-text field (cost is linear in it)
    keyword_docs: bool = True  # add the taxonomy's names (keywords.csv) as training documents
    keyword_leaves: bool = True  # with keyword_docs: also one document per level-3 name
    balanced: bool = True  # class weights inversely proportional to class frequency
    max_iter: int = 300
    svm_tol: float = 0.03  # LinearSVC stopping tolerance: 1e-3 gave the same CV scores and
    # probabilities within 5e-4 on 10k messages, in twice the training time (docs/triage.md)
    calibration_folds: int = 3  # 0 or 1: no temperature fitting (T = 1)
    seed: int = 0
    max_chars: int | None = 150  # only the first max_chars of subject + detail are used
    calibration_max_rows: int = 2000  # temperature fitted on a subsample of at most this size
    english_glossary: bool = True  # English terms written in Chinese first (glossary.py)


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: list[tuple[str, float]]
    #: The model's abstain threshold (``metadata["abstain"]["threshold"]``; None: the model has
    #: none): :func:`huying.triage.abstain.decide` uses the category alone at or above it.
    auto_threshold: float | None = None

    def needs_review(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        """True when a person should confirm the category (confidence below ``threshold``)."""
        return self.confidence < threshold


def split_message(m: Message) -> tuple[str, str]:
    return ("", m) if isinstance(m, str) else (m[0] or "", m[1] or "")


def _prepared(texts: Sequence[Message], cfg: Config) -> tuple[list[str], list[str]]:
    """Subjects and details of the messages, English terms in Chinese when configured."""
    pairs = [split_message(t) for t in texts]
    if cfg.english_glossary:
        return [to_chinese(p[0]) for p in pairs], [to_chinese(p[1]) for p in pairs]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@lru_cache(maxsize=4)
def _taxonomy(path: Path = KEYWORDS_PATH) -> tuple[tuple[str, str, str], ...]:
    """(level1, level2, level3) rows of the category taxonomy shipped with the package."""
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return tuple((r["level1"], r["level2"], r["level3"]) for r in csv.DictReader(fh))


def keyword_documents(
    labels: Sequence[str], path: Path = KEYWORDS_PATH, *, leaves: bool = False
) -> list[tuple[Message, str]]:
    """One short training document per (level-1, level-2) category of the taxonomy whose level-1
    name is in ``labels``: subject = the level-2 name, detail = its level-3 names (e.g.
    ``("住房保障与房地产", "住房公积金 保障性住房 物业服务 …")`` → 城乡建设). With ``leaves``,
    also one per level-3 name other than 其他, as both subject and detail (``("物业服务",
    "物业服务")`` → 城乡建设): a sub-category's name is a strong hint of its category."""
    wanted = set(labels)
    groups: dict[tuple[str, str], list[str]] = {}
    for l1, l2, l3 in _taxonomy(path):
        if l1 in wanted:
            groups.setdefault((l1, l2), []).append(l3)
    docs: list[tuple[Message, str]] = [((l2, " ".join(l3s)), l1) for (l1, l2), l3s in groups.items()]
    if leaves:
        docs += [((l3, l3), l1) for l1, _l2, l3 in _taxonomy(path) if l1 in wanted and l3 != "其他"]
    return docs


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising the log loss of softmax(logits / T) (grid + refine)."""
    idx = np.arange(len(y))

    def nll(t: float) -> float:
        p = _softmax(logits / t)
        return float(-np.log(np.clip(p[idx, y], 1e-12, None)).mean())

    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 61))
    best = float(min(grid, key=nll))
    fine = best * np.exp(np.linspace(-0.12, 0.12, 25))
    return float(min(fine, key=nll))


@dataclass
class _Weights:
    vocab_full: Vocabulary
    vocab_subject: Vocabulary | None
    subject_weight: float
    coef: np.ndarray  # (n_classes, n_features) float32; columns: full, subject, long fields
    intercept: np.ndarray  # (n_classes,) float32
    max_chars: int | None = None
    vocab_long: Vocabulary | None = None  # the whole text (up to long_max_chars), if used
    long_max_chars: int | None = None


def _full_texts(
    subjects: Sequence[str], details: Sequence[str], max_chars: int | None
) -> list[str]:
    full = [s + " " + d for s, d in zip(subjects, details, strict=True)]
    return full if max_chars is None else [t[:max_chars] for t in full]


def _features(
    subjects: Sequence[str], details: Sequence[str], w: _Weights
) -> sp.csr_matrix:
    blocks = [transform(_full_texts(subjects, details, w.max_chars), w.vocab_full)]
    if w.vocab_subject is not None:
        xs = transform(subjects, w.vocab_subject)
        xs.data *= w.subject_weight
        blocks.append(xs)
    if w.vocab_long is not None:
        blocks.append(transform(_full_texts(subjects, details, w.long_max_chars), w.vocab_long))
    return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")


def _balanced(y: np.ndarray, sw: np.ndarray, n_classes: int) -> np.ndarray:
    """Sample weights times class weights inversely proportional to each class's weight."""
    per_class = np.bincount(y, weights=sw, minlength=n_classes)
    cw = np.where(per_class > 0, sw.sum() / (n_classes * np.maximum(per_class, 1e-12)), 0.0)
    return sw * cw[y]


def _full_coef(classes: np.ndarray, coef: np.ndarray, n_classes: int) -> np.ndarray:
    """One row per class of the model (binary models give one row: ±coef/2)."""
    out = np.zeros((n_classes, coef.shape[1]), dtype=np.float64)
    out[classes] = coef if len(classes) > 2 else np.vstack([-coef, coef]) / 2
    return out


def _spread(x: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> float:
    """Standard deviation of a linear model's class-centred scores on rows ``x``."""
    z = np.asarray(x @ coef.T) + intercept
    return float((z - z.mean(axis=1, keepdims=True)).std()) or 1.0


def _svm_nb(
    x: sp.csr_matrix, x_long: sp.csr_matrix | None, n_sub: int, y: np.ndarray,
    n_classes: int, cfg: Config, sw: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a LinearSVC and a complement NB on ``x`` (full + subject fields) and a second
    complement NB on the whole text + subject, each scaled by the spread of its scores on the
    training rows; returned as one (coef, intercept) over [full, subject, long] columns."""
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

    classes = np.unique(y)
    svm = LinearSVC(C=cfg.C, tol=cfg.svm_tol, max_iter=2000, random_state=cfg.seed)
    svm.fit(x, y, sample_weight=sw)
    c_svm = _full_coef(classes, svm.coef_, n_classes)
    b_svm = np.zeros(n_classes)
    b_svm[classes] = svm.intercept_ if len(classes) > 2 else np.array([-1, 1]) * svm.intercept_[0] / 2
    parts = [(c_svm, b_svm, x)]
    if cfg.model == "svm+nb":
        nb = ComplementNB(alpha=cfg.nb_alpha).fit(x, y, sample_weight=sw)
        c_nb = np.zeros((n_classes, x.shape[1]))
        c_nb[classes] = nb.feature_log_prob_
        parts.append((c_nb, np.zeros(n_classes), x))
    if x_long is not None:
        nb2 = ComplementNB(alpha=cfg.nb_alpha).fit(x_long, y, sample_weight=sw)
        c2 = np.zeros((n_classes, x_long.shape[1]))
        c2[classes] = nb2.feature_log_prob_
        parts.append((c2, np.zeros(n_classes), x_long))
    n_full = x.shape[1] - n_sub
    n_long = 0 if x_long is None else x_long.shape[1] - n_sub
    coef = np.zeros((n_classes, x.shape[1] + n_long))
    intercept = np.zeros(n_classes)
    for c, b, xx in parts:
        s = _spread(xx, c, b) * len(parts)
        if xx is x:
            coef[:, : x.shape[1]] += c / s
        else:  # the long model's columns: [long, subject]
            coef[:, x.shape[1] :] += c[:, :n_long] / s
            coef[:, n_full : x.shape[1]] += c[:, n_long:] / s
        intercept += b / s
    coef -= coef.mean(axis=0)  # same softmax, smaller numbers (stored as float16)
    intercept -= intercept.mean()
    absent = np.setdiff1d(np.arange(n_classes), classes)
    intercept[absent] = -1e4  # classes absent from training
    return coef.astype(np.float32), intercept.astype(np.float32)


def _train_weights(
    subjects: Sequence[str],
    details: Sequence[str],
    y: np.ndarray,
    n_classes: int,
    cfg: Config,
    sample_weight: np.ndarray,
) -> _Weights:
    full = _full_texts(subjects, details, cfg.max_chars)
    vf, x = fit_vocabulary(full, cfg.ngram_range, cfg.min_df, cfg.max_features, seed=0)
    vs: Vocabulary | None = None
    n_sub = 0
    if cfg.subject_weight > 0:
        vs, xs = fit_vocabulary(subjects, cfg.ngram_range, cfg.min_df, cfg.max_features, seed=1)
        xs.data *= cfg.subject_weight
        x = sp.hstack([x, xs], format="csr")
        n_sub = xs.shape[1]
    sw = sample_weight.astype(np.float64)
    if cfg.balanced:
        sw = _balanced(y, sw, n_classes)
    vl: Vocabulary | None = None
    if cfg.model == "lr":
        coef, intercept = _lr(x, y, n_classes, cfg, sw)
    elif cfg.model in ("svm+nb", "svm"):
        x_long = None
        if cfg.long_field:
            long = _full_texts(subjects, details, cfg.long_max_chars)
            vl, xl = fit_vocabulary(long, cfg.ngram_range, cfg.min_df, cfg.max_features, seed=2)
            x_long = sp.hstack([xl, x[:, x.shape[1] - n_sub :]], format="csr") if n_sub else xl
        coef, intercept = _svm_nb(x, x_long, n_sub, y, n_classes, cfg, sw)
    else:
        raise ValueError(f"unknown model {cfg.model!r} (expected 'svm+nb', 'svm' or 'lr')")
    return _Weights(vf, vs, cfg.subject_weight, coef, intercept, cfg.max_chars, vl,
                    cfg.long_max_chars)


def _lr(
    x: sp.csr_matrix, y: np.ndarray, n_classes: int, cfg: Config, sw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=cfg.C, max_iter=cfg.max_iter, tol=1e-3)
    lr.fit(x, y, sample_weight=sw)
    coef = np.zeros((n_classes, x.shape[1]), dtype=np.float32)
    intercept = np.full(n_classes, -1e4, dtype=np.float32)  # classes absent from training
    coef[lr.classes_] = lr.coef_ if len(lr.classes_) > 2 else np.vstack([-lr.coef_, lr.coef_]) / 2
    intercept[lr.classes_] = (
        lr.intercept_ if len(lr.classes_) > 2 else np.array([-1, 1]) * lr.intercept_[0] / 2
    )
    return coef, intercept


def _logits_one(subject: str, detail: str, w: _Weights) -> np.ndarray:
    """``_logits`` of one message (one row), with the weights gathered by column instead of
    a sparse product: the same features, blocks and offsets as :func:`_features`."""
    c, d = transform_one(_full_texts([subject], [detail], w.max_chars)[0], w.vocab_full)
    cols, data, offset = [c], [d], len(w.vocab_full)
    if w.vocab_subject is not None:
        c, d = transform_one(subject, w.vocab_subject)
        cols.append(c + offset)
        data.append(d * np.float32(w.subject_weight))
        offset += len(w.vocab_subject)
    if w.vocab_long is not None:
        c, d = transform_one(_full_texts([subject], [detail], w.long_max_chars)[0], w.vocab_long)
        cols.append(c + offset)
        data.append(d)
    col, val = np.concatenate(cols), np.concatenate(data).astype(np.float32, copy=False)
    return (w.coef[:, col] @ val + w.intercept)[None, :]


def _logits(subjects: Sequence[str], details: Sequence[str], w: _Weights) -> np.ndarray:
    x = _features(subjects, details, w)
    return np.asarray(x @ w.coef.T) + w.intercept


@dataclass
class TextClassifier:
    """Fast first-level category classifier with calibrated confidence and top-k suggestions."""

    config: Config = field(default_factory=Config)
    labels: list[str] = field(default_factory=list)
    temperature: float = 1.0
    metadata: dict[str, Any] = field(default_factory=dict)
    _w: _Weights | None = None

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[Message],
        labels: Sequence[str],
        *,
        sample_weight: Sequence[float] | None = None,
        calibrate_mask: Sequence[bool] | None = None,
        trained_at: str | None = None,
        extra_metadata: dict[str, Any] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> TextClassifier:
        """Train on messages and their labels.

        ``sample_weight`` weighs rows (e.g. pseudo-labelled ones lower). The temperature is
        fitted on out-of-fold predictions of the rows where ``calibrate_mask`` is true (by
        default all rows; pass False for pseudo-labelled rows so that calibration is judged
        on real labels only). ``trained_at`` is stored as given (time is a parameter).
        """
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if not texts:
            raise ValueError("no training messages")
        subjects, details = _prepared(texts, self.config)
        self.labels = sorted(set(labels))
        if len(self.labels) < 2:
            raise ValueError(f"need at least two categories to train, got {self.labels}")
        index = {lab: i for i, lab in enumerate(self.labels)}
        y = np.array([index[lab] for lab in labels], dtype=np.int64)
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        real = np.ones(len(y), bool) if calibrate_mask is None else np.asarray(calibrate_mask)
        cfg = self.config
        n_pseudo = int((~real).sum())
        kw = keyword_documents(self.labels, leaves=cfg.keyword_leaves) if cfg.keyword_docs else []
        if kw:  # the taxonomy's names as extra documents (weight 1, never used to calibrate)
            subjects += [m[0] for m, _ in kw]
            details += [m[1] for m, _ in kw]
            y = np.concatenate([y, [index[lab] for _, lab in kw]]).astype(np.int64)
            sw = np.concatenate([sw, np.ones(len(kw))])
            real = np.concatenate([real, np.zeros(len(kw), bool)])
        say = progress or (lambda _msg: None)

        self.temperature = 1.0
        if cfg.calibration_folds > 1 and len(self.labels) > 1:
            say(f"calibrating on {cfg.calibration_folds} folds")
            self.temperature = self._fit_temperature(subjects, details, y, sw, real)
        say(f"fitting on {len(y)} messages")
        self._w = _train_weights(subjects, details, y, len(self.labels), cfg, sw)
        counts = {lab: int(((y == i) & real).sum()) for i, lab in enumerate(self.labels)}
        self.metadata = {
            "format": FORMAT,
            "trained_at": trained_at,
            "n_train": int(real.sum()),
            "n_pseudo": n_pseudo,
            "n_keyword_docs": len(kw),
            "class_counts": counts,
            "n_features": int(self._w.coef.shape[1]),
            "temperature": self.temperature,
            "config": asdict(cfg),
            **(extra_metadata or {}),
        }
        return self

    def _fit_temperature(
        self,
        subjects: list[str],
        details: list[str],
        y: np.ndarray,
        sw: np.ndarray,
        real: np.ndarray,
    ) -> float:
        from sklearn.model_selection import StratifiedKFold

        real_idx = np.flatnonzero(real)
        pool_idx = np.flatnonzero(~real)
        cap = self.config.calibration_max_rows
        if len(real_idx) + len(pool_idx) > cap:  # bound the cost: calibrate on a subsample
            rng = np.random.default_rng(self.config.seed)
            real_idx = np.sort(rng.choice(real_idx, min(cap, len(real_idx)), replace=False))
            room = max(cap - len(real_idx), 0)
            pool_idx = np.sort(rng.choice(pool_idx, min(room, len(pool_idx)), replace=False))
        yr = y[real_idx]
        n_splits = min(self.config.calibration_folds, int(np.bincount(yr).max()))
        if n_splits < 2 or np.bincount(yr)[np.bincount(yr) > 0].min() < n_splits:
            return 1.0
        logits = np.zeros((len(real_idx), len(self.labels)))
        skf = StratifiedKFold(n_splits, shuffle=True, random_state=self.config.seed)
        cfg = replace(self.config, calibration_folds=0)
        for _tr, te in skf.split(real_idx, yr):
            keep = np.concatenate([np.delete(real_idx, te), pool_idx])
            w = _train_weights(
                [subjects[i] for i in keep], [details[i] for i in keep], y[keep],
                len(self.labels), cfg, sw[keep],
            )
            rows = real_idx[te]
            logits[te] = _logits([subjects[i] for i in rows], [details[i] for i in rows], w)
        return fit_temperature(logits, yr)

    # -- prediction -----------------------------------------------------------------------
    def _weights(self) -> _Weights:
        if self._w is None:
            raise RuntimeError("the classifier is not trained")
        return self._w

    def predict_proba(self, texts: Sequence[Message]) -> np.ndarray:
        """Calibrated probabilities, one row per message, columns in ``self.labels`` order."""
        w = self._weights()
        if not texts:
            return np.zeros((0, len(self.labels)))
        subjects, details = _prepared(texts, self.config)
        z = _logits(subjects, details, w)
        return _softmax(z / self.temperature)

    def predict(self, texts: Sequence[Message], k: int = 3) -> list[Prediction]:
        proba = self.predict_proba(texts)
        return self._top(proba, k)

    def _top(self, proba: np.ndarray, k: int) -> list[Prediction]:
        order = np.argsort(-proba, axis=1)[:, :k]
        auto = self.auto_threshold
        out = []
        for row, idx in zip(proba, order, strict=True):
            top = [(self.labels[i], float(row[i])) for i in idx]
            out.append(Prediction(top[0][0], top[0][1], top, auto))
        return out

    @property
    def auto_threshold(self) -> float | None:
        """The abstain threshold stored in the model (None: none stored)."""
        t = (self.metadata.get("abstain") or {}).get("threshold")
        return None if t is None else float(t)

    def predict_one(self, subject: str, detail: str, k: int = 3) -> Prediction:
        """``predict([(subject, detail)], k)[0]``, without the batch's sparse matrices (a
        fifth of intake's CPU per report, docs/performance.md P1)."""
        w = self._weights()
        subjects, details = _prepared([(subject, detail)], self.config)
        return self._top(_softmax(_logits_one(subjects[0], details[0], w) / self.temperature), k)[0]

    @property
    def version(self) -> str:
        return str(self.metadata.get("version") or self.metadata.get("trained_at") or "unversioned")

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.metadata.get("metrics", {}))

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model as a pickle-free ``.npz`` (arrays + one JSON header)."""
        w = self._weights()
        header = {
            "format": FORMAT,
            "labels": self.labels,
            "temperature": self.temperature,
            "config": asdict(self.config),
            "metadata": self.metadata,
            "full": {"ngram_range": list(w.vocab_full.ngram_range), "seed": w.vocab_full.seed},
            "subject": None
            if w.vocab_subject is None
            else {
                "ngram_range": list(w.vocab_subject.ngram_range),
                "seed": w.vocab_subject.seed,
                "weight": w.subject_weight,
            },
            "long": None
            if w.vocab_long is None
            else {
                "ngram_range": list(w.vocab_long.ngram_range),
                "seed": w.vocab_long.seed,
                "max_chars": w.long_max_chars,
            },
        }
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
            "full_keys": w.vocab_full.keys,
            "full_idf": w.vocab_full.idf.astype(np.float16),
            "coef": w.coef.astype(np.float16),
            "intercept": w.intercept.astype(np.float32),
        }
        if w.vocab_subject is not None:
            arrays["subject_keys"] = w.vocab_subject.keys
            arrays["subject_idf"] = w.vocab_subject.idf.astype(np.float16)
        if w.vocab_long is not None:
            arrays["long_keys"] = w.vocab_long.keys
            arrays["long_idf"] = w.vocab_long.idf.astype(np.float16)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        path.write_bytes(buf.getvalue())
        return path

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a model written by :meth:`save`; raises :class:`ModelError` naming the file."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(arrays["header"].tobytes().decode())
        except FileNotFoundError as exc:
            raise ModelError(f"{path}: no such model file") from exc
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: not a huying triage model ({exc})") from exc
        if header.get("format") != FORMAT:
            raise ModelError(f"{path}: unsupported model format {header.get('format')!r}")
        try:
            cfg_d = dict(header["config"])
            cfg_d["ngram_range"] = tuple(cfg_d["ngram_range"])
            full = header["full"]
            vf = Vocabulary(
                arrays["full_keys"], arrays["full_idf"].astype(np.float32),
                tuple(full["ngram_range"]), full["seed"],  # type: ignore[arg-type]
            )
            vs = None
            subj = header["subject"]
            if subj is not None:
                vs = Vocabulary(
                    arrays["subject_keys"], arrays["subject_idf"].astype(np.float32),
                    tuple(subj["ngram_range"]), subj["seed"],  # type: ignore[arg-type]
                )
            vl = None
            long = header.get("long")  # absent in models written before the long field
            if long is not None:
                vl = Vocabulary(
                    arrays["long_keys"], arrays["long_idf"].astype(np.float32),
                    tuple(long["ngram_range"]), long["seed"],  # type: ignore[arg-type]
                )
            coef = arrays["coef"].astype(np.float32)
            n_feat = len(vf) + (len(vs) if vs is not None else 0) + (len(vl) if vl else 0)
            labels = list(header["labels"])
            if coef.shape != (len(labels), n_feat):
                raise ValueError(f"weights of shape {coef.shape}, expected {(len(labels), n_feat)}")
            w = _Weights(vf, vs, float(subj["weight"]) if subj else 0.0, coef,
                         arrays["intercept"].astype(np.float32), cfg_d.get("max_chars"),
                         vl, long["max_chars"] if long else None)
            if "model" not in cfg_d:  # a model written before "svm+nb": the settings it had
                cfg_d.update(model="lr", long_field=False, keyword_docs=False)
            cfg_d.setdefault("keyword_leaves", False)  # written before the level-3 documents
            known = {f.name for f in fields(Config)}
            return cls(
                config=Config(**{k: v for k, v in cfg_d.items() if k in known}), labels=labels, temperature=float(header["temperature"]),
                metadata=dict(header["metadata"]), _w=w,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: corrupt huying triage model ({exc})") from exc


@lru_cache(maxsize=1)
def default_classifier() -> TextClassifier:
    """The model shipped in ``huying/triage/default_model`` (loaded once per process)."""
    return TextClassifier.load(DEFAULT_MODEL_PATH)


def train_names_model(labels: Sequence[str], **fit_kw: Any) -> TextClassifier:
    """A model that has seen no message: trained on the taxonomy's names of ``labels`` alone
    (:func:`keyword_documents` with the leaves), what a city without any labelled message of its
    own starts from. ``fit_kw`` goes to :meth:`TextClassifier.fit` (``trained_at``, metadata)."""
    docs = keyword_documents(sorted(set(labels)), leaves=True)
    return TextClassifier(replace(Config(), keyword_docs=False)).fit(
        [m for m, _ in docs], [lab for _, lab in docs], **fit_kw)


@lru_cache(maxsize=1)
def names_classifier() -> TextClassifier:
    """:func:`train_names_model` of the default model's categories, shipped as
    ``default_model/names.npz`` (``python -m huying.triage.build_default --names``): loading
    it needs no scikit-learn, which the demo's build does not otherwise import."""
    return TextClassifier.load(NAMES_MODEL_PATH)
