"""One message's tf-idf row from a fitted `TfidfVectorizer`, without sklearn's per-call machinery.

`TfidfVectorizer.transform([text])` spends about 0.8 ms per vectoriser on input checks, sparse-matrix
assembly and normalisation for a single row, while its analyzer needs about 0.1 ms (measured on the
bench messages). Triage encodes one message at a time, so this does the same arithmetic directly:
counts of in-vocabulary terms, sublinear tf, times idf, l2-normalised. It gives the same numbers as
`transform` (`tests/test_tfidf_row.py` checks that on the labelled messages) and refuses vectorisers
whose settings it does not reproduce.

Character n-grams of a `char_wb` vectoriser never cross a word, so each word's columns are looked up
once and kept: a message then costs a lookup per word, not per n-gram (about 3,000 for a short email,
each a cache miss in a vocabulary of tens of thousands).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

WORD_CACHE_SIZE = 200_000  # distinct words whose char n-gram columns are kept (cleared when full)


@dataclass(frozen=True)
class SparseRow:
    """One text's features: ascending column indices and their weights, in a space `width` wide.
    A linear model scores it as `coef[:, columns] @ values`, with no sparse matrix to build."""

    columns: np.ndarray
    values: np.ndarray
    width: int

    @property
    def shape(self) -> tuple[int, int]:
        return 1, self.width

    def to_csr(self) -> csr_matrix:
        return csr_matrix((self.values, self.columns, np.array([0, len(self.columns)])), shape=(1, self.width))


class TfidfRowEncoder:
    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        unsupported = {
            "binary": vectorizer.binary,
            "use_idf": not vectorizer.use_idf,
            "norm": vectorizer.norm != "l2",
        }
        if any(unsupported.values()):
            wrong = ", ".join(name for name, bad in unsupported.items() if bad)
            raise ValueError(f"TfidfRowEncoder does l2-normalised idf weighting only; the vectoriser sets {wrong}")
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf: np.ndarray = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.width = len(self.vocabulary)
        self.per_word = vectorizer.analyzer == "char_wb"
        self._word_columns: dict[str, tuple[int, ...]] = {}

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices ascending, weights) of the text's non-zero features."""
        columns, counts = np.unique(np.asarray(self._columns(text), dtype=np.int64), return_counts=True)
        tf = 1.0 + np.log(counts) if self.sublinear else counts.astype(np.float64)
        weights = tf * self.idf[columns]
        norm = float(np.sqrt(np.dot(weights, weights)))
        if norm > 0.0:
            weights /= norm
        return columns.astype(np.int32), weights

    def _columns(self, text: str) -> list[int]:
        """The vocabulary column of every in-vocabulary term occurrence."""
        if not self.per_word:
            return self._lookup(text)
        # the analyzer splits on whitespace after lower-casing, which never makes or removes a space
        known = self._word_columns
        out: list[int] = []
        for word in text.split():
            columns = known.get(word)
            if columns is None:
                if len(known) >= WORD_CACHE_SIZE:
                    known.clear()
                columns = known[word] = tuple(self._lookup(word))
            out += columns
        return out

    def _lookup(self, text: str) -> list[int]:
        vocabulary = self.vocabulary
        return [column for term in self.analyze(text) if (column := vocabulary.get(term)) is not None]
