"""The vectorised n-gram features agree with scikit-learn's character analyzer."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from huying.triage.features import fit_vocabulary, ngram_keys, normalize, transform


def test_ngram_keys_count_the_same_ngrams_as_scikit_learn() -> None:
    texts = [normalize(t) for t in ["A市在水一方大厦２０１９年烂尾", "小学入学学位不足", "", "ab"]]
    docs, keys = ngram_keys(texts, (1, 3))
    cv = CountVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False).fit(texts)
    counts = cv.transform(texts)
    assert len(set(keys.tolist())) == len(cv.vocabulary_)
    assert np.array_equal(np.bincount(docs, minlength=4), np.asarray(counts.sum(1)).ravel())


def test_normalize_folds_width_case_and_digits() -> None:
    assert normalize("ＡＢ市　２０１９年\n3号") == "ab市 0年 0号"


def test_transform_of_the_training_texts_equals_the_fitted_matrix() -> None:
    texts = ["小区电梯坏了", "电梯维修", "学校收费", "学校 电梯"]
    vocab, x = fit_vocabulary(texts, (1, 2), min_df=1)
    assert abs(transform(texts, vocab) - x).max() < 1e-6
    rows = np.sqrt(np.asarray(x.multiply(x).sum(1)).ravel())
    assert np.allclose(rows, 1.0)
