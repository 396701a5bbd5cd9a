"""One real redactor (Presidio + the vendored spaCy model) for the whole test session."""

from __future__ import annotations

import pytest

from tools.redaction.presidio_redactor import PresidioRedactor, build_redactor


@pytest.fixture(scope="session")
def redactor() -> PresidioRedactor:
    return build_redactor()
