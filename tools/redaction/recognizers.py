"""Presidio recognizers built from the policy data (`policies/recognizers.yaml`)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio: no list download

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, predefined_recognizers

from tools.redaction.policy import PatternRecognizerSpec, RedactionPolicy

_FLAGS_SENSITIVE = regex.DOTALL | regex.MULTILINE
_FLAGS_INSENSITIVE = _FLAGS_SENSITIVE | regex.IGNORECASE


class PolicyPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer from policy data, with an optional digit-count check (phone formats)."""

    def __init__(self, spec: PatternRecognizerSpec, policy: RedactionPolicy):
        patterns = [Pattern(name=p.name, regex=policy.expand(p.regex), score=p.score) for p in spec.patterns]
        for p in patterns:  # fail at start-up, not on the first message
            regex.compile(p.regex)
        super().__init__(
            supported_entity=spec.entity,
            name=spec.name,
            supported_language=policy.language,
            patterns=patterns,
            context=spec.context,
            global_regex_flags=_FLAGS_INSENSITIVE if not spec.case_sensitive else _FLAGS_SENSITIVE,
        )
        self.min_digits = spec.min_digits
        self.max_digits = spec.max_digits
        self.reject_plain_digits = spec.reject_plain_digits

    def validate_result(self, pattern_text: str) -> bool | None:
        """False drops the match; None keeps the pattern's own score."""
        if self.reject_plain_digits and pattern_text.strip().isdigit():
            return False
        digits = sum(ch.isdigit() for ch in pattern_text)
        if self.min_digits is not None and digits < self.min_digits:
            return False
        if self.max_digits is not None and digits > self.max_digits:
            return False
        return None


def _predefined(name: str, args: dict[str, Any], language: str) -> EntityRecognizer:
    cls = getattr(predefined_recognizers, name, None)
    if cls is None or not (isinstance(cls, type) and issubclass(cls, EntityRecognizer)):
        raise ValueError(f"unknown Presidio recognizer class: {name}")
    recognizer: EntityRecognizer = cls(supported_language=language, **args)
    return recognizer


def build_recognizers(policy: RedactionPolicy, only_fields: str | None = None) -> list[EntityRecognizer]:
    """The recognizers of the policy. `only_fields=None`: those that run on every field;
    `only_fields="signature"`: those restricted to that field (passed as ad-hoc recognizers)."""
    out: list[EntityRecognizer] = []
    if only_fields is None:
        out += [_predefined(p.cls, dict(p.args), policy.language) for p in policy.predefined]
    for spec in policy.patterns:
        if (spec.fields is None) == (only_fields is None) and (
            only_fields is None or only_fields in (spec.fields or [])
        ):
            out.append(PolicyPatternRecognizer(spec, policy))
    return out
