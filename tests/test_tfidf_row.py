"""The one-row tf-idf encoder gives sklearn's numbers, on the project's own labelled messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from agents.dataset import read_labelled
from tools.reasoner.local import LocalModel, _clean, _predict_proba, make_vectorizers
from tools.reasoner.tfidf_row import TfidfRowEncoder

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    files = sorted((REPO / "data" / "memory_seed").glob("*.jsonl")) + sorted(
        (REPO / "evals" / "datasets").glob("*.jsonl")
    )
    return [r for f in files for r in read_labelled(f)]


@pytest.fixture(scope="module")
def texts(records: list[dict[str, Any]]) -> list[str]:
    return [_clean(f"{r.get('subject') or ''}\n{r['body']}") for r in records]


@pytest.fixture(scope="module")
def fitted(texts: list[str]) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words, chars = make_vectorizers()
    half = texts[: len(texts) // 2]  # the other half holds terms the vocabulary never saw
    return words.fit(half), chars.fit(half)


@pytest.mark.parametrize("which", [0, 1], ids=["words", "chars"])
def test_each_row_matches_sklearn_transform(
    texts: list[str], fitted: tuple[TfidfVectorizer, TfidfVectorizer], which: int
) -> None:
    vectorizer = fitted[which]
    encoder = TfidfRowEncoder(vectorizer)
    expected = vectorizer.transform(texts).tocsr()
    expected.sort_indices()
    assert len(texts) > 1000
    for i, text in enumerate(texts):
        columns, data = encoder.encode(text)
        row = expected[i]
        assert columns.tolist() == row.indices.tolist(), f"columns differ for message {i}"
        np.testing.assert_allclose(data, row.data, rtol=1e-12, atol=1e-15, err_msg=f"weights differ for message {i}")


def test_the_model_row_is_the_word_then_char_columns(texts: list[str], fitted: tuple[TfidfVectorizer, ...]) -> None:
    words, chars = fitted
    model = LocalModel(words, chars, None, None, (1.0, 0.0, 0.0), 1.0, 0)
    sample = [*texts[::37], "<PERSON_1> wrote: the reefer at <LOCATION_2> failed"]
    expected = hstack([words.transform([_clean(t) for t in sample]), chars.transform([_clean(t) for t in sample])])
    expected = expected.tocsr()
    for i, text in enumerate(sample):
        row = model.word_features(text).to_csr()
        assert row.shape == expected[i].shape
        np.testing.assert_allclose(row.toarray(), expected[i].toarray(), rtol=1e-12, atol=1e-15)


def test_a_linear_head_scores_the_row_as_sklearn_does(
    records: list[dict[str, Any]], texts: list[str], fitted: tuple[TfidfVectorizer, ...]
) -> None:
    words, chars = fitted
    model = LocalModel(words, chars, None, None, (1.0, 0.0, 0.0), 1.0, 0)
    half = len(texts) // 2
    x = hstack([words.transform(texts[:half]), chars.transform(texts[:half])]).tocsr()
    head = LogisticRegression(C=20.0, max_iter=2000).fit(x, [r["expected"]["reason"] for r in records[:half]])
    assert len(head.classes_) > 2
    for text in texts[half::41]:
        row = model.word_features(text)
        np.testing.assert_allclose(_predict_proba(head, row), head.predict_proba(row.to_csr()), rtol=1e-9)


def test_a_text_of_unknown_terms_gives_an_empty_row(fitted: tuple[TfidfVectorizer, ...]) -> None:
    columns, data = TfidfRowEncoder(fitted[0]).encode("zzqx qqzv")
    assert columns.size == 0 and data.size == 0


@pytest.mark.parametrize(
    ("setting", "named"), [({"norm": None}, "norm"), ({"binary": True}, "binary"), ({"use_idf": False}, "use_idf")]
)
def test_settings_it_does_not_reproduce_are_refused(texts: list[str], setting: dict[str, object], named: str) -> None:
    vectorizer = TfidfVectorizer(**setting).fit(texts[:50])
    with pytest.raises(ValueError, match=named):
        TfidfRowEncoder(vectorizer)
