"""The svm+nb model, taxonomy keyword documents and the model file format (old and new)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from huying.triage.classifier import Config, TextClassifier, keyword_documents
from tests.triage.conftest import TINY, tiny_rows

MSGS = [(s, d) for s, d, _ in TINY] + [("", "随便说说"), ("噪音扰民", "")]


def _fit(cfg: Config) -> TextClassifier:
    rows = tiny_rows(3)
    return TextClassifier(cfg).fit(
        [(r["subject"], r["detail"]) for r in rows], [r["label"] for r in rows]
    )


def test_keyword_documents_come_from_the_taxonomy_of_the_given_labels_only() -> None:
    docs = keyword_documents(["城乡建设", "不存在的类"])
    assert docs and {lab for _, lab in docs} == {"城乡建设"}
    subjects = {m[0] for m, _ in docs}
    assert "住房保障与房地产" in subjects
    detail = dict((m[0], m[1]) for m, _ in docs)["住房保障与房地产"]
    assert "物业服务" in detail.split()


def test_level_3_names_become_documents_of_their_own_except_other() -> None:
    groups = keyword_documents(["城乡建设"])
    docs = keyword_documents(["城乡建设"], leaves=True)
    assert docs[: len(groups)] == groups
    leaves = docs[len(groups):]
    assert (("物业服务", "物业服务"), "城乡建设") in leaves
    assert all(m[0] == m[1] != "其他" for m, _ in leaves)


def test_keyword_documents_are_counted_apart_from_real_and_pseudo_messages() -> None:
    clf = _fit(Config(min_df=1))
    assert clf.metadata["n_train"] == len(tiny_rows(3))
    assert clf.metadata["n_pseudo"] == 0
    n_groups = len(keyword_documents(clf.labels))
    assert clf.metadata["n_keyword_docs"] == len(keyword_documents(clf.labels, leaves=True))
    assert clf.metadata["n_keyword_docs"] > n_groups > 0
    assert _fit(Config(min_df=1, keyword_leaves=False)).metadata["n_keyword_docs"] == n_groups
    assert _fit(Config(min_df=1, keyword_docs=False)).metadata["n_keyword_docs"] == 0


@pytest.mark.parametrize("cfg", [
    Config(min_df=1),
    Config(min_df=1, model="svm"),
    Config(min_df=1, long_field=True, long_max_chars=50),
    Config(min_df=1, model="lr", C=10.0, keyword_docs=False),
    Config(min_df=1, subject_weight=0.0),
])
def test_every_model_kind_round_trips_through_its_file(cfg: Config, tmp_path: Path) -> None:
    clf = _fit(cfg)
    again = TextClassifier.load(clf.save(tmp_path / "m.npz"))
    assert np.allclose(clf.predict_proba(MSGS), again.predict_proba(MSGS), atol=2e-3)
    assert again.config == clf.config
    assert [p.label for p in again.predict(MSGS[:9])] == [lab for _, _, lab in TINY]


def test_a_model_file_written_before_the_svm_nb_model_still_loads(tmp_path: Path) -> None:
    """Files of the first format version have no "long" field and no "model" setting."""
    clf = _fit(Config(min_df=1, model="lr", C=10.0, keyword_docs=False))
    path = clf.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays["header"].tobytes().decode())
    del header["long"]
    for key in ("model", "nb_alpha", "long_field", "long_max_chars", "keyword_docs",
                "keyword_leaves"):
        del header["config"][key]
    arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8)
    old = tmp_path / "old.npz"
    np.savez_compressed(old, **arrays)  # type: ignore[arg-type]
    again = TextClassifier.load(old)
    assert again.config.model == "lr" and not again.config.keyword_docs
    assert not again.config.keyword_leaves
    assert np.allclose(clf.predict_proba(MSGS), again.predict_proba(MSGS), atol=2e-3)


def test_a_model_of_two_categories() -> None:
    rows = [r for r in tiny_rows(3) if r["label"] != "交通运输"]
    clf = TextClassifier(Config(min_df=1, calibration_folds=0)).fit(
        [(r["subject"], r["detail"]) for r in rows], [r["label"] for r in rows]
    )
    assert clf.labels == ["劳动和社会保障", "教育文体"]
    assert clf.predict_one("学校乱收费", "补课费").label == "教育文体"
    assert clf.predict_one("拖欠工资", "老板不发工资").label == "劳动和社会保障"


def test_an_unknown_model_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        _fit(Config(min_df=1, model="forest"))


def test_a_model_file_written_before_the_level_3_documents_loads_with_them_off(
    tmp_path: Path,
) -> None:
    clf = _fit(Config(min_df=1, keyword_leaves=False))
    path = clf.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays["header"].tobytes().decode())
    del header["config"]["keyword_leaves"]
    arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8)
    old = tmp_path / "old.npz"
    np.savez_compressed(old, **arrays)  # type: ignore[arg-type]
    again = TextClassifier.load(old)
    assert again.config == clf.config and again.config.keyword_docs


def test_training_twice_on_the_same_data_gives_the_same_weights() -> None:
    a, b = _fit(Config(min_df=1)), _fit(Config(min_df=1))
    assert np.array_equal(a._weights().coef, b._weights().coef)
    assert a.temperature == b.temperature
