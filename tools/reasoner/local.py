"""The local reasoner: a kNN vote over past cases combined with two linear heads, calibrated.

- head E: logistic regression on the sentence embedding (meaning),
- head W: logistic regression on word and character n-grams (carrier jargon: "DEX08", "rolled", "reefer"),
- kNN: similarity-weighted vote of the retrieved past cases (what reviewers also see).
The mix weights and a softmax temperature are fitted by cross-validation on the memory, so the
reported confidence is calibrated on data the heads did not train on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agents.ports import Embedder
from agents.state import REASON_CODES, Classification, RedactedMessage, Reference, SimilarCase
from agents.text_patterns import PLACEHOLDER, SENTENCE_BOUNDARY
from policies.engine import PolicyBook
from tools.reasoner.tfidf_row import SparseRow, TfidfRowEncoder

log = logging.getLogger(__name__)
LABELS = list(REASON_CODES)


def _clean(text: str) -> str:
    return PLACEHOLDER.sub(" ", text)


@dataclass
class LocalModel:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    head_w: LogisticRegression
    head_e: LogisticRegression
    weights: tuple[float, float, float]  # (embedding head, word head, kNN vote)
    temperature: float
    trained_on: int

    @cached_property
    def word_terms(self) -> np.ndarray:
        """Word-vocabulary term of each feature column (the char columns follow them)."""
        return np.asarray(self.words.get_feature_names_out())

    @cached_property
    def row_encoders(self) -> tuple[TfidfRowEncoder, TfidfRowEncoder]:
        return TfidfRowEncoder(self.words), TfidfRowEncoder(self.chars)

    def __getstate__(self) -> dict[str, Any]:
        # cached helpers are rebuilt after loading; the analyzer closures do not pickle
        return {k: v for k, v in self.__dict__.items() if k not in _CACHED}

    def word_features(self, text: str) -> SparseRow:
        """The word head's input for one message: word then char tf-idf columns, as `_fit_heads` built them."""
        cleaned = _clean(text)
        words, chars = self.row_encoders
        word_columns, word_values = words.encode(cleaned)
        char_columns, char_values = chars.encode(cleaned)
        return SparseRow(
            np.concatenate([word_columns, char_columns + words.width]),
            np.concatenate([word_values, char_values]),
            words.width + chars.width,
        )


_CACHED = ("word_terms", "row_encoders")


def knn_vote(similar: Sequence[SimilarCase] | Sequence[tuple[str, float]], sharpness: float = 12.0) -> np.ndarray:
    """Similarity-weighted class distribution of the neighbours (uniform when there are none)."""
    vote = np.full(len(LABELS), 1e-3)
    for item in similar:
        reason, score = (item.reason, item.score) if isinstance(item, SimilarCase) else item
        if reason in LABELS:
            vote[LABELS.index(reason)] += float(np.exp(sharpness * (score - 1.0)))
    return vote / vote.sum()


def make_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """The word head's unfitted (word n-gram, char n-gram) vectorisers."""
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=60000)
    return words, chars


def _fit_heads(texts: list[str], vectors: np.ndarray, y: np.ndarray) -> tuple[Any, ...]:
    words, chars = make_vectorizers()
    cleaned = [_clean(t) for t in texts]
    xw = hstack([words.fit_transform(cleaned), chars.fit_transform(cleaned)]).tocsr()
    head_w = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced").fit(xw, y)
    head_e = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced").fit(vectors, y)
    return words, chars, head_w, head_e


def _proba(head: LogisticRegression, x: Any) -> np.ndarray:
    """Probabilities over all LABELS even if a fold lacked a class."""
    out = np.full((x.shape[0], len(LABELS)), 1e-6)
    out[:, [LABELS.index(c) for c in head.classes_]] = _predict_proba(head, x)
    return out / out.sum(axis=1, keepdims=True)


def _predict_proba(head: LogisticRegression, x: Any) -> np.ndarray:
    """`head.predict_proba(x)` for a multinomial head, without sklearn's per-call input checks (a
    third of a millisecond per message, measured): the softmax of the linear scores."""
    if len(head.classes_) <= 2:
        return np.asarray(head.predict_proba(x.to_csr() if isinstance(x, SparseRow) else x))
    if isinstance(x, SparseRow):
        scores = (head.coef_[:, x.columns] @ x.values + head.intercept_)[None, :]
    else:
        scores = np.asarray(x @ head.coef_.T) + head.intercept_
    scores -= scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _knn_from_vectors(query: np.ndarray, bank: np.ndarray, bank_y: Sequence[str], k: int) -> np.ndarray:
    sims = query @ bank.T
    out = np.zeros((len(query), len(LABELS)))
    for i, row in enumerate(sims):
        top = np.argsort(-row)[:k]
        out[i] = knn_vote([(bank_y[j], float(row[j])) for j in top])
    return out


def train_local_model(
    texts: list[str], vectors: np.ndarray, reasons: list[str], policy: PolicyBook, seed: int = 7
) -> LocalModel:
    """Fit heads on everything; fit mix weights and temperature on out-of-fold predictions."""
    y = np.array(reasons)
    k = int(policy.reasoner["k_similar"])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    oof = {name: np.zeros((len(y), len(LABELS))) for name in ("e", "w", "k")}
    for train_idx, test_idx in folds.split(vectors, y):
        words, chars, head_w, head_e = _fit_heads([texts[i] for i in train_idx], vectors[train_idx], y[train_idx])
        cleaned = [_clean(texts[i]) for i in test_idx]
        xw = hstack([words.transform(cleaned), chars.transform(cleaned)]).tocsr()
        oof["w"][test_idx] = _proba(head_w, xw)
        oof["e"][test_idx] = _proba(head_e, vectors[test_idx])
        oof["k"][test_idx] = _knn_from_vectors(vectors[test_idx], vectors[train_idx], list(y[train_idx]), k)
    truth = np.array([LABELS.index(r) for r in y])
    best: tuple[float, tuple[float, float, float], float] = (np.inf, (1 / 3, 1 / 3, 1 / 3), 1.0)
    grid = [float(g) for g in policy.reasoner["mix_grid"]]
    temperatures = [float(g) for g in policy.reasoner["temperature_grid"]]
    for we in grid:
        for ww in grid:
            wk = 1.0 - we - ww
            if wk < -1e-9:
                continue
            mixed = we * oof["e"] + ww * oof["w"] + max(wk, 0.0) * oof["k"]
            for temp in temperatures:
                p = _temper(mixed, temp)
                nll = -float(np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))
                if nll < best[0]:
                    best = (nll, (we, ww, max(wk, 0.0)), temp)
    _, weights, temperature = best
    words, chars, head_w, head_e = _fit_heads(texts, vectors, y)
    log.info("local reasoner trained on %d cases: weights %s, temperature %.2f", len(y), weights, temperature)
    return LocalModel(words, chars, head_w, head_e, weights, temperature, len(y))


def _temper(p: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(p, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)


class LocalReasoner:
    name = "local"

    def __init__(
        self, model: LocalModel, embedder: Embedder, policy: PolicyBook, abstain_below: float | None = None
    ) -> None:
        self.model = model
        self.embedder = embedder
        self.policy = policy
        self.abstain_below = float(policy.reasoner["abstain_below"]) if abstain_below is None else abstain_below

    @classmethod
    def load(cls, path: Path, embedder: Embedder, policy: PolicyBook) -> LocalReasoner:
        return cls(joblib.load(path), embedder, policy)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.model, path)

    def classify(
        self, message: RedactedMessage, references: Sequence[Reference], similar: Sequence[SimilarCase]
    ) -> Classification:
        text = message.text_for_models()
        word_row = self.model.word_features(text)
        probs = self._distribution(text, word_row, similar)
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        reason = LABELS[best]
        abstain = confidence < self.abstain_below
        return Classification(
            reason=None if abstain else reason,
            confidence=round(confidence, 4),
            abstained=abstain,
            evidence=self._evidence(text, word_row, best),
            at7_codes=[] if abstain else self.policy.at7_codes(reason),
            reasoner="local",
            probabilities={label: round(float(p), 4) for label, p in zip(LABELS, probs, strict=True)},
        )

    def _distribution(self, text: str, word_row: SparseRow, similar: Sequence[SimilarCase]) -> np.ndarray:
        m = self.model
        pe = _proba(m.head_e, self.embedder.embed_array([text]))[0]
        pw = _proba(m.head_w, word_row)[0]
        pk = knn_vote(similar)
        we, ww, wk = m.weights
        return _temper(we * pe + ww * pw + wk * pk, m.temperature)

    def _evidence(self, text: str, word_row: SparseRow, label_index: int) -> str:
        """The sentence that carries most of the word head's case for the chosen reason.

        Each word n-gram of the message contributes tf-idf x weight to the reason's score; a sentence
        scores the sum of the positive contributions of the n-grams it contains. This reuses the
        message's own features instead of vectorising every sentence again."""
        sentences = [s.strip() for s in SENTENCE_BOUNDARY.split(text) if len(s.strip()) > 8][:40]
        if not sentences:
            return text[:200]
        head = self.model.head_w
        cls = LABELS[label_index]
        if cls not in head.classes_:
            return sentences[0][:200]
        row = list(head.classes_).index(cls)
        in_words = word_row.columns < len(self.model.word_terms)
        columns = word_row.columns[in_words]
        contribution = word_row.values[in_words] * head.coef_[row, columns]
        positive = contribution > 0
        weights = dict(zip(self.model.word_terms[columns[positive]], contribution[positive], strict=True))
        analyze = self.model.row_encoders[0].analyze
        scores = [_sentence_score(set(analyze(_clean(s))), weights) for s in sentences]
        return sentences[int(np.argmax(scores))][:200]


def _sentence_score(terms: set[str], weights: dict[str, float]) -> float:
    # Divided by the root of the sentence's term count, as tf-idf's l2 norm would: a long sentence
    # does not win just by containing more of the message. A line of one or two words (a sign-off,
    # "<PERSON_1>, QA Manager") says nothing about what went wrong.
    if sum(" " not in t for t in terms) < 3:
        return 0.0
    return sum(weights.get(t, 0.0) for t in terms) / len(terms) ** 0.5
