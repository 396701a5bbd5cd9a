"""Language of a message: lingua-language-detector over the seven languages the product reads.

Runs inside the redactor on the raw subject and body (nothing leaves the process), so the phone
recognizer can take the language as a region hint and the case records it for the queue.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any

from agents.state import LANGUAGE_NAMES

log = logging.getLogger(__name__)

# ISO 639-1 codes the product supports (DESIGN.md, dataset format `language`).
SUPPORTED = tuple(LANGUAGE_NAMES)
_MIN_LETTERS = 12  # shorter texts are mostly references and codes: no language to tell
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_LETTER = re.compile(r"[^\W\d_]")


class LinguaLanguageDetector:
    """Implements `agents.ports.LanguageDetector`. The language models load on first use."""

    def __init__(self, languages: tuple[str, ...] = SUPPORTED, min_confidence: float = 0.25) -> None:
        self.languages = languages
        self.min_confidence = min_confidence

    @cached_property
    def _detector(self) -> Any:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in self.languages]
        return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()

    def detect(self, text: str) -> str | None:
        """The ISO 639-1 code of the text's language, or None when there is too little text to tell."""
        text = _PLACEHOLDER.sub(" ", text)
        if len(_LETTER.findall(text)) < _MIN_LETTERS:
            return None
        # Shouted portal notices ("GLATTEIS RAUM KASSEL") read better in lower case.
        letters = [ch for ch in text if ch.isalpha()]
        if letters and sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
            text = text.lower()
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < self.min_confidence:
            return None
        code: str = values[0].language.iso_code_639_1.name.lower()
        return code
