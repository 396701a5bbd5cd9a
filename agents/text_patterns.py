"""The regular expressions that several parts of the product must agree on, in one place.

A placeholder written by the redactor must be recognised the same way by the reasoner (which ignores
it), the reference extractor (which never reads one as a reference), the split check and the UI (which
highlights it); a sentence is split the same way for evidence and summaries.
"""

from __future__ import annotations

import re

# What the redactor writes for a piece of personal data: the entity type and a number, `<PERSON_1>`.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
# Sentence ends (after . ! ?) and line breaks: evidence and summaries quote whole sentences.
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")
# One word of a person's name: letters, with an inner apostrophe (O'Neil, D’Amato).
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# The start of an RFC 822 header line ("Subject:"), on raw bytes.
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,76}:")
