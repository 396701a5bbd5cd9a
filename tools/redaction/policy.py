"""The redaction policy: `policies/recognizers.yaml` read into a typed model.

Pure data, no Presidio import: `tools.references` reads the place gazetteer from here too, and
importing it must stay cheap.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agents.text_patterns import NAME_WORD

DEFAULT_POLICY_PATH = Path(__file__).resolve().parents[2] / "policies" / "recognizers.yaml"



def name_words(text: str) -> list[str]:
    """Casefolded words of a name or phrase ("Kuehne + Nagel" -> ["kuehne", "nagel"])."""
    return [m.group(0).casefold() for m in NAME_WORD.finditer(text)]


class PatternSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    regex: str
    score: float = Field(ge=0.0, le=1.0)


class PatternRecognizerSpec(BaseModel):
    """One Presidio `PatternRecognizer`, as data."""

    model_config = ConfigDict(extra="forbid")

    name: str
    entity: str
    patterns: list[PatternSpec]
    context: list[str] = Field(default_factory=list)
    case_sensitive: bool = True
    fields: list[str] | None = None  # only run on these message fields (None = every field)
    min_digits: int | None = None  # a match with fewer (or more) digits is not this entity
    max_digits: int | None = None
    reject_plain_digits: bool = False  # a bare digit run is a reference, not this entity


class PredefinedRecognizerSpec(BaseModel):
    """A Presidio predefined recognizer class, by name, with its constructor arguments."""

    model_config = ConfigDict(extra="forbid")

    cls: str = Field(alias="class")
    args: dict[str, Any] = Field(default_factory=dict)


class NlpSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exclude_pipes: list[str] = Field(default_factory=list)
    person_labels: list[str] = Field(default_factory=lambda: ["PERSON"])
    place_labels: list[str] = Field(default_factory=lambda: ["GPE", "LOC", "FAC"])
    default_score: float = 0.85
    single_word_person_needs_support: bool = True
    # Words right before a lone NER person that count as its support ("checked it with Jana:").
    single_word_person_context: list[str] = Field(default_factory=list)
    context_matching_mode: str = "whole_word"
    context_prefix_count: int = 5


class RedactionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    language: str = "en"
    score_threshold: float = 0.35
    replace_entities: list[str]
    nlp: NlpSpec = Field(default_factory=NlpSpec)
    fragments: dict[str, str] = Field(default_factory=dict)
    predefined: list[PredefinedRecognizerSpec] = Field(default_factory=list)
    patterns: list[PatternRecognizerSpec] = Field(default_factory=list)
    carriers: list[str] = Field(default_factory=list)
    companies: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    organisation_words: list[str] = Field(default_factory=list)
    person_stopwords: list[str] = Field(default_factory=list)
    mailbox_words: list[str] = Field(default_factory=list)
    name_particles: list[str] = Field(default_factory=list)

    @cached_property
    def _all_fragments(self) -> dict[str, str]:
        """The policy's fragments plus ones built from its word lists (ORG_WORDS)."""
        org = "|".join(re.escape(w) for w in sorted(self.organisation_words, key=len, reverse=True))
        return {**self.fragments, "ORG_WORDS": org}

    def expand(self, regex: str) -> str:
        """Substitute `<<FRAGMENT>>` markers with the named regex fragments."""
        for _ in range(3):  # fragments may use fragments
            for key, value in self._all_fragments.items():
                regex = regex.replace(f"<<{key}>>", value)
        if "<<" in regex and re.search(r"<<[A-Z_]+>>", regex):
            raise ValueError(f"unknown fragment in regex: {regex[:60]}")
        return regex

    @cached_property
    def _stopword_phrases(self) -> dict[str, list[tuple[str, ...]]]:
        index: dict[str, list[tuple[str, ...]]] = {}
        for item in self.person_stopwords:
            words = tuple(name_words(item))
            if words:
                index.setdefault(words[0], []).append(words)
        for phrases in index.values():
            phrases.sort(key=len, reverse=True)
        return index

    @cached_property
    def _not_a_person_phrases(self) -> dict[str, list[tuple[str, ...]]]:
        """Carrier, company, place and stop-word phrases as word tuples, indexed by first word."""
        index: dict[str, list[tuple[str, ...]]] = {}
        for item in [*self.carriers, *self.companies, *self.places, *self.person_stopwords]:
            words = tuple(name_words(item))
            if words:
                index.setdefault(words[0], []).append(words)
        for phrases in index.values():
            phrases.sort(key=len, reverse=True)
        return index

    def is_not_a_person(self, text: str, *, titled: bool = False) -> bool:
        """True when `text` is made only of carrier/company/place names and stop words, or names an
        organisation ("Dispatch Team", "Kuehne + Nagel", "Rotterdam", "Hi Team")."""
        words = name_words(text)
        if not words:
            return True
        if any(w in self.organisation_word_set for w in words):
            return True
        covered = [w in self.particle_set for w in words]
        # after a title ("Frau Schneider", "Mr Roche") a carrier's or a company's name is a surname:
        # only the stop words and organisation words say it is no one
        index = self._stopword_phrases if titled else self._not_a_person_phrases
        for i, w in enumerate(words):
            for phrase in index.get(w, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    for k in range(i, i + len(phrase)):
                        covered[k] = True
                    break
        return all(covered)

    @cached_property
    def organisation_word_set(self) -> frozenset[str]:
        return frozenset(w.casefold() for w in self.organisation_words)

    @cached_property
    def mailbox_word_set(self) -> frozenset[str]:
        return frozenset(w.casefold() for w in self.mailbox_words)

    @cached_property
    def particle_set(self) -> frozenset[str]:
        return frozenset(w.casefold() for w in self.name_particles)


@lru_cache(maxsize=4)
def load_policy(path: Path | None = None) -> RedactionPolicy:
    """Read and validate the policy file (cached per path: it is data, read once)."""
    with (path or DEFAULT_POLICY_PATH).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return RedactionPolicy.model_validate(data)
