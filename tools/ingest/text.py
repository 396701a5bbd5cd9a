"""Small text clean-ups every parser applies before text leaves ingestion."""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
SUBJECT_MAX = 120


def clean_text(text: str) -> str:
    """One newline convention, no NULs or stray control characters, no lone surrogates.

    NULs are refused by PostgreSQL text columns; lone surrogates (from undecodable header bytes)
    cannot be encoded as UTF-8 by any writer downstream.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _CONTROL.sub("", text)
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    lines = [line.rstrip(" \t") if line not in ("-- ",) else line for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def clean_line(text: str, limit: int | None = None) -> str:
    """A single-line value (subject, header): whitespace runs folded to one space."""
    line = " ".join(clean_text(text).split())
    if limit is not None and len(line) > limit:
        line = line[:limit].rstrip()
    return line


def first_line(text: str, limit: int = SUBJECT_MAX) -> str | None:
    for line in text.split("\n"):
        if line.strip():
            return clean_line(line, limit)
    return None


def needs_scrub(text: str) -> bool:
    return "\x00" in text or (not text.isascii() and _SURROGATE.search(text) is not None)


def scrub(value: Any) -> Any:
    """The same value with NULs removed and lone surrogates replaced in every string, at any depth.

    The last guard before a message leaves ingestion: JSON "\\ud800" escapes and undecodable header
    bytes must not reach a database driver or a JSON encoder, both of which refuse them.
    """
    if isinstance(value, str):
        if not needs_scrub(value):
            return value
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value
