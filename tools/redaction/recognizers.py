"""Presidio recognizers built from the policy data (`policies/recognizers.yaml`)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio: no list download
# Presidio's own pattern recognizers (IBAN, card) time out after this many seconds and skip the
# pattern; the redactor turns that skip into a refusal (tools/redaction/budget.py). Read at import.
os.environ.setdefault("REGEX_TIMEOUT_SECONDS", "10")

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult, predefined_recognizers

from tools.redaction.budget import guard_recognizer, pattern_timed_out, pattern_timeout_s
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
        self.recognizer_name: str = spec.name
        self.min_digits = spec.min_digits
        self.max_digits = spec.max_digits
        self.reject_plain_digits = spec.reject_plain_digits

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        """Presidio's pattern loop, except that a pattern runs with the message's time left as its
        timeout and a timeout raises (`redaction_incomplete`) instead of skipping the pattern."""
        flags = int(regex_flags or self.global_regex_flags or 0)
        name: str = self.recognizer_name
        patterns: list[Any] = list(self.patterns)  # type: ignore[has-type]  # Presidio leaves it untyped
        results: list[RecognizerResult] = []
        for pattern in patterns:
            if pattern.compiled_regex is None or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
            compiled: Any = pattern.compiled_regex
            try:
                for match in compiled.finditer(text, timeout=pattern_timeout_s(name, pattern.name)):
                    start, end = match.span()
                    if start == end:
                        continue
                    result = self._result(text[start:end], start, end, pattern, flags)
                    if result is not None:
                        results.append(result)
            except TimeoutError:
                raise pattern_timed_out(name, pattern.name) from None
        out: list[RecognizerResult] = EntityRecognizer.remove_duplicates(results)
        return out

    def _result(self, value: str, start: int, end: int, pattern: Pattern, flags: int) -> RecognizerResult | None:
        validation = self.validate_result(value)
        description = self.build_regex_explanation(
            self.recognizer_name, pattern.name, pattern.regex, pattern.score, validation, flags  # type: ignore[arg-type]
        )
        result = RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=pattern.score,
            analysis_explanation=description,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.recognizer_name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
        if validation is not None:
            result.score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
        if self.invalidate_result(value):
            result.score = EntityRecognizer.MIN_SCORE
        description.score = result.score
        return result if result.score > EntityRecognizer.MIN_SCORE else None

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
    return guard_recognizer(recognizer)


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
            out.append(guard_recognizer(PolicyPatternRecognizer(spec, policy)))
    return out
