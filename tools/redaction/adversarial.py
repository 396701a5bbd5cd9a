"""Hostile text for the redactor's patterns: what `tests/redaction/test_pattern_cost.py` runs every
pattern on, and what `triage bench` measures the redactor's worst case with (issue 19).

Long runs of one class (letters, capitals, spaces, punctuation, digits, newlines, brackets) and
near-matches repeated: the start of what a pattern looks for, over and over, never completed. A pattern
whose cost is not linear in its input shows it on these: twice the text, four times the time or worse.

`all_patterns()` lists every regex that runs on a message's text during redaction: the policy's
recognizer patterns (expanded), the regexes of Presidio's predefined pattern recognizers the policy
loads, the redactor's own, and the reference rules it asks where references are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from agents.text_patterns import NAME_WORD

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio: no list download

import regex

from tools.redaction.policy import RedactionPolicy, load_policy

# (name, unit): the unit is repeated up to the length asked for.
_RUNS: tuple[tuple[str, str], ...] = (
    ("lower letters", "a"),
    ("capitals", "A"),
    ("capitalised letters", "Aa"),
    ("accented letters", "Éé"),
    ("spaces", " "),
    ("tabs", "\t"),
    ("newlines", "\n"),
    ("space newline", " \n"),
    ("quote markers", "> \n"),
    ("dots", "."),
    ("hyphens", "-"),
    ("apostrophes", "'"),
    ("commas", ", "),
    ("slashes", "/"),
    ("digits", "1"),
    ("spaced digits", "1 "),
    ("dashed digits", "1-"),
    ("dotted digits", "1."),
    ("bracketed digits", "(1) "),
    ("at signs", "@"),
    ("angle brackets", "<"),
    ("letter at", "a@"),
    ("letter dot", "a."),
    ("letter hyphen", "a-"),
    ("capital hyphen", "Aa-"),
    ("apostrophe name", "O'Aa"),
    ("CJK", "張三 "),
)
_NEAR_MATCHES: tuple[tuple[str, str], ...] = (
    ("names without a trigger", "Maria Lopez "),
    ("long names", "Maria de la Vega Lopez "),
    ("name lines", "Thabo Nkosi\n"),
    ("hyphenated name words", "Anne-Marie "),
    ("greetings", "Dear "),
    ("greeting and names", "Hi Maria and "),
    ("sign-offs", "Regards,\n"),
    ("sign-off lines", "Best regards\n\n"),
    ("signature dashes", "-- \n"),
    ("quoted names", "> Marco\n"),
    ("wrote without colon", "Reena Patel <r> wrote "),
    ("brackets without an address", "Luis Ortega <luis"),
    ("name before digits", "Manny, 817 555 "),
    ("phone words", "Tel: "),
    ("phone word and digits", "Tel: 601 234 "),
    ("call me", "call me on "),
    ("international prefixes", "+49 (0) "),
    ("north american", "(555) 555-"),
    ("extensions", "ext "),
    ("titles", "Mr. "),
    ("titled names", "Mr. Smith "),
    ("labels", "Contact: "),
    ("roles", "driver "),
    ("signed", "signed by "),
    ("this is", "this is "),
    ("house numbers", "1420 Harbor View "),
    ("street types", "Calle Mayor de la "),
    ("compound streets", "Hafenstraße "),
    ("units", "Unit 7 Riverside "),
    ("po boxes", "P.O. Box "),
    ("e-mail local parts", "john.smith."),
    ("e-mail domains", "x@y."),
    ("e-mail hyphens", "a@b-"),
    ("reference keywords", "BOL "),
    ("reference shapes", "AB12-"),
    ("long digit runs", "1234567890"),
    ("dates", "12/"),
    ("month names", "March "),
    ("honorifics", "佐藤 様 "),
)


@dataclass(frozen=True)
class NamedPattern:
    """One regex as it runs on a message: `search(text)` runs it over the whole text."""

    name: str
    run: Callable[[str], int]  # the number of matches over the text


def adversarial_strings(n: int) -> Iterator[tuple[str, str]]:
    """(name, text) of about `n` characters each: every run and every near-match repeated."""
    for name, unit in (*_RUNS, *_NEAR_MATCHES):
        yield name, (unit * (n // len(unit) + 1))[:n]


def _counter(compiled: Any, timeout: float | None) -> Callable[[str], int]:
    if timeout is None:
        return lambda text: sum(1 for _ in compiled.finditer(text))
    return lambda text: sum(1 for _ in compiled.finditer(text, timeout=timeout))


def all_patterns(policy: RedactionPolicy | None = None, timeout: float | None = 30.0) -> list[NamedPattern]:
    """Every regex the redactor runs over a message's text (see the module docstring)."""
    from presidio_analyzer import PatternRecognizer, predefined_recognizers

    from tools.redaction import presidio_redactor as redactor_module
    from tools.redaction.recognizers import _FLAGS_INSENSITIVE, _FLAGS_SENSITIVE
    from tools.references import _RULES

    policy = policy or load_policy()
    out: list[NamedPattern] = []
    for spec in policy.patterns:
        flags = _FLAGS_SENSITIVE if spec.case_sensitive else _FLAGS_INSENSITIVE
        for p in spec.patterns:
            compiled = regex.compile(policy.expand(p.regex), flags=flags)
            out.append(NamedPattern(f"{spec.name}/{p.name}", _counter(compiled, timeout)))
    for pre in policy.predefined:
        cls = getattr(predefined_recognizers, pre.cls)
        if not issubclass(cls, PatternRecognizer):
            continue  # phone numbers (libphonenumber) and the NER: no regex of theirs runs on the text
        recognizer = cls(supported_language=policy.language, **pre.args)
        for p in recognizer.patterns:
            compiled = regex.compile(p.regex, flags=recognizer.global_regex_flags)
            out.append(NamedPattern(f"{pre.cls}/{p.name}", _counter(compiled, timeout)))
    for attr in ("_LOCAL_PART_SPLIT", "_NAME_TOKEN", "_NANP", "_LOWER_CASE_LINE"):
        compiled = getattr(redactor_module, attr)
        out.append(NamedPattern(f"redactor/{attr.lower().strip('_')}", _counter(compiled, None)))
    out.append(NamedPattern("redactor/surface_word", _counter(NAME_WORD, None)))  # agents.text_patterns
    for i, rule in enumerate(_RULES):
        out.append(NamedPattern(f"references/{rule.kind}#{i}", _counter(rule.regex, None)))
    return out
