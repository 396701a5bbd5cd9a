"""One real redactor (Presidio + the vendored spaCy model + the language detector, as the composition
root builds it) for the whole test session."""

from __future__ import annotations

import pytest

from tools.language.detector import LinguaLanguageDetector
from tools.redaction.presidio_redactor import PresidioRedactor, build_redactor


@pytest.fixture(scope="session")
def redactor() -> PresidioRedactor:
    return build_redactor(language_detector=LinguaLanguageDetector())
