"""Logistics references in a message: tracking and container numbers, bills of lading, air waybills,
PRO, PO, Odoo sale orders and transfers, bookings, customs entries, dates and places.

`extract_references` reads a `RedactedMessage` (spans are offsets in its redacted fields).
`find_reference_spans` is the text-level finder the redactor uses on the raw text to protect every
reference from being mistaken for personal data: it also returns matches whose check digit fails
(they still must not be replaced), which `extract_references` leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from agents.state import THREAD_CONTEXT_CHARS, RedactedMessage, Reference, ReferenceKind
from agents.text_patterns import PLACEHOLDER
from tools.redaction.policy import load_policy

Field = Literal["subject", "body", "thread", "structured", "attachment"]

# --------------------------------------------------------------------------- check digits

_ISO6346_VALUES: dict[str, int] = {}
_v = 10
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    if _v % 11 == 0:  # ISO 6346 skips multiples of 11
        _v += 1
    _ISO6346_VALUES[_c] = _v
    _v += 1


def iso6346_valid(number: str) -> bool:
    """ISO 6346 container number check digit (owner code + category + 6 digits + check digit)."""
    s = re.sub(r"\s", "", number).upper()
    if not re.fullmatch(r"[A-Z]{3}[UJZR]\d{7}", s):
        return False
    total = sum((_ISO6346_VALUES[c] if c.isalpha() else int(c)) * (1 << i) for i, c in enumerate(s[:10]))
    return total % 11 % 10 == int(s[10])


def awb_valid(number: str) -> bool:
    """IATA air waybill: 3-digit airline prefix + 7-digit serial + check digit = serial mod 7."""
    digits = re.sub(r"\D", "", number)
    return len(digits) == 11 and int(digits[3:10]) % 7 == int(digits[10])


def gs1_valid(number: str) -> bool:
    """GS1 mod-10 check digit (SSCC, GTIN)."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 2:
        return False
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


# --------------------------------------------------------------------------- patterns

# A keyword, optional "no."/"number"/"#", optional ":" -- then the reference itself.
_NUM = r"(?:[ \t]*(?:no\.?|nr\.?|n[°º]|num(?:ber)?|#|ref\.?|id)\b)?[ \t]*[:#.]?[ \t]*"
# bounded (issue 19): unbounded, "BOL BOL BOL ..." made every keyword scan to the end of the text
_DIGIT_AHEAD = r"(?=[A-Z0-9/ -]{0,40}\d)"  # the captured value must contain a digit
_END = r"(?![\w/-]*\d)(?![A-Za-z0-9])"
# Every keyword starts with a letter: checking that first lets the regex engine pass over the other
# positions without trying each keyword there (measured: the keyword rules twice as fast).
_KEYWORD_START = r"\b(?=[a-z])"


def _kw(words: str, value: str) -> str:
    return rf"(?i:{_KEYWORD_START}(?:{words})(?![A-Za-z])\.?{_NUM})(?P<ref>{_DIGIT_AHEAD}{value}){_END}"


MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
)


@dataclass(frozen=True)
class _Rule:
    kind: ReferenceKind
    regex: re.Pattern[str]
    priority: int  # higher wins an overlap: keyword-led 30, distinctive format 20, bare number 10, date 5
    validator: Callable[[str], bool] | None = None
    # What a failed check digit means: "skip" (another rule may claim the text), "protect" (not a
    # reference we report, but never personal data either), "accept" (a keyword labels it anyway)
    on_invalid: Literal["skip", "protect", "accept"] = "protect"
    # Identifier-shaped text that is no reference kind we report (seal, CMR, claim numbers ...):
    # found only so that the redactor never takes it for a phone number or a name.
    protect_only: bool = False
    strong: bool | None = None  # None: from the priority
    contextual: bool = False  # a bare number: the words before it name its kind


def _rule(kind: ReferenceKind, pattern: str, priority: int, **kw: Any) -> _Rule:
    return _Rule(kind, re.compile(pattern), priority, **kw)


_GENERIC_KEYWORDS = (
    r"CMR|seals?|seal\s+no|DI|claim|LRN|CCN|transaction|con|CN|cons|consignments?|shpt|shipments?|sped|spedizione"
    r"|pakket|zending|sendung|auftrag|orders?|lieferschein|load\s+ID|logger|ASN|DO|SO|ref|reference|job|file|case"
    r"|ticket|invoice|inv|manifest|frachtbrief|list\s+przewozowy|list\s+przewozowy\s+CMR|waybill|bookings?"
    r"|bookings?\s+affected|tracking\s+numbers?|trailer|voyage|flight|report|aviso|notice|permit|licen[cs]e|lot|batch"
    r"|serial|SN|PIN|docket|guia|guía|albar[aá]n|pedido|przesy[łl]ka|nr\s+przesy[łl]ki|vrachtbrief|colli|parcel|pallet"
)


_RULES: tuple[_Rule, ...] = (
    # ---- keyword-led (the keyword decides the kind)
    _rule(
        "awb", _kw(r"M?AWB|air\s*way\s*bill|airwaybill|MAWB|LTA", r"\d{3}[- ]?\d{4}\s?\d{4}"), 31, validator=awb_valid
    ),
    _rule("awb", _kw(r"HAWB|house\s+(?:air\s*)?waybill", r"[A-Z0-9][A-Z0-9-]{4,18}[A-Z0-9]"), 30),
    _rule(
        "bol",
        _kw(
            r"B/?L|BOL|MBL|HBL|MB/?L|HB/?L|MBOL|HBOL|bill\s+of\s+lading|Konnossement|conocimiento"
            r"|connaissement|cognossement",
            r"[A-Z0-9][A-Z0-9-]{3,20}[A-Z0-9]",
        ),
        30,
    ),
    _rule("pro", _kw(r"PRO", r"\d[\d-]{4,14}\d"), 30),
    _rule(
        "po",
        rf"(?i:\b(?:P\.?O\.?|purchase\s+order|customer\s+order|order|Bestellung|Bestellnummer|pedido|zamówienie)"
        rf"(?![A-Za-z])(?!\s*box)\.?{_NUM})(?P<ref>(?!S\d{{5}}\b){_DIGIT_AHEAD}[A-Z0-9][A-Z0-9-]{{2,18}}[A-Z0-9]){_END}",
        30,
    ),
    _rule("booking", _kw(r"BKG|booking|bkng|buchung|reserva", r"[A-Z0-9][A-Z0-9-]{4,20}[A-Z0-9]"), 30),
    _rule("customs_entry", _kw(r"MRN", r"\d{2}[A-Z]{2}[A-Z0-9]{14}"), 31),
    _rule(
        "customs_entry",
        _kw(r"(?:customs\s+)?entry|ENT|CBP\s+entry|declaration", r"[A-Z0-9]{3}-?\d{7}-?\d|\d{11}"),
        30,
    ),
    _rule(
        "container",
        _kw(r"container|containers|cntr|ctr|cont|box|equipment|unit", r"[A-Z]{3}[UJZR]\s?\d{6}\s?\d"),
        30,
        validator=iso6346_valid,
        on_invalid="accept",
    ),
    _rule(
        "tracking",
        _kw(
            r"tracking|track|trk|tracking\s+number|waybill|DHL|FedEx|UPS|USPS|parcel|package|pkg|shipment|consignment"
            r"|sendung(?:snummer)?|zending|przesyłk[ai]|envío|AWB\s+DHL",
            r"1Z[0-9A-Z]{16}|\d{10,22}|[A-Z]{2}\d{9}[A-Z]{2}|JJD\d{10,20}|JD\d{16,20}",
        ),
        30,
    ),
    # ---- distinctive formats
    _rule("tracking", r"\b(?P<ref>1Z[0-9A-Z]{16})\b", 20),
    _rule("tracking", r"\b(?P<ref>(?:JJD|JVGL)\d{10,20}|JD\d{16,20})\b", 20),
    _rule("tracking", r"\b(?P<ref>[A-Z]{2}\d{9}(?:DE|US|GB|NL|PL|FR|ES|IT|BE|CN|HK|SG|CA|AU|JP|IN|CH|AT|SE|DK)\b)", 20),
    _rule("tracking", r"\(00\)\s?(?P<ref>\d{18})\b", 21),
    _rule("tracking", r"(?<![\w/-])(?P<ref>\d{18})(?![\w/-])", 19, validator=gs1_valid, on_invalid="skip"),
    _rule(
        "container",
        r"\b(?P<ref>[A-Z]{3}[UJZR](?:\d{7}|\s\d{6}\s\d|\d{6}\s\d|\s\d{7}))\b",
        20,
        validator=iso6346_valid,
    ),
    _rule("awb", r"(?<![\w/-])(?P<ref>\d{3}-\d{8})(?![\w/-])", 20, validator=awb_valid),
    _rule("sale_order", r"\b(?P<ref>S\d{5,6})\b", 20),
    _rule("transfer", r"\b(?P<ref>[A-Z][A-Z0-9]{0,9}/(?:[A-Z]{2,8}/)?[A-Z]{2,8}/\d{3,7})\b", 20),
    _rule("transfer", r"\b(?P<ref>[A-Z][A-Z0-9]{0,9}/(?:OUT|IN|INT|PICK|PACK|RET|DS)/\d{3,7})\b", 21),
    _rule("customs_entry", r"\b(?P<ref>\d{2}[A-Z]{2}[A-Z0-9]{12}[A-Z]\d)\b", 20),
    _rule("customs_entry", r"(?<![\w-])(?P<ref>[A-Z0-9]{3}-\d{7}-\d)(?![\w-])", 20),
    _rule("po", r"\b(?P<ref>PO-?\d{3,12})\b", 20),
    _rule(
        "bol",
        r"\b(?P<ref>(?:MAEU|MEDU|MSCU|CMDU|HLCU|COSU|ONEY|EGLV|OOLU|YMLU|HDMU|ZIMU|SUDU|ANNU|APLU)[A-Z0-9]{8,12})\b",
        19,
    ),
    _rule("date", r"\b(?P<ref>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b", 20),
    # ---- bare numbers: kind from the length and the words around them
    _rule("po", r"(?<![\w/-])(?P<ref>45\d{8})(?![\w/-])", 11, contextual=True),
    _rule(
        "tracking",
        r"(?<![\w/.,-])(?P<ref>\d{10}|\d{12}|\d{15}|\d{20}|\d{22}|\d{26}|\d{34})(?![\w/-]|[.,]\d)",
        10,
        contextual=True,
    ),
    _rule("tracking", r"(?<![\w/.,-])(?P<ref>\d{18})(?![\w/-]|[.,]\d)", 10, contextual=True),
    _rule("tracking", r"(?<![\w-])(?P<ref>\d{4}-\d{4}-\d{4})(?![\w-])", 20),
    # ---- identifiers (protected, not reported)
    _rule(
        "tracking",
        rf"(?i:{_KEYWORD_START}(?:{_GENERIC_KEYWORDS})(?![A-Za-z])\.?{_NUM})(?P<ref>(?=[A-Za-z0-9/.-]*\d)[A-Za-z0-9](?:[A-Za-z0-9/.-]*[A-Za-z0-9])?)"
        r"(?![\w/-])",
        4,
        protect_only=True,
        strong=True,
    ),
    _rule(
        "tracking",
        r"(?<![\w/.-])(?P<ref>(?=[\w/-]*[A-Za-z])(?=[\w/-]*\d)[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)+)(?![\w/-])",
        3,
        protect_only=True,
        strong=True,
    ),
    _rule("tracking", r"(?<![\w/.,-])(?P<ref>\d{7,})(?![\w/-]|[.,]\d)", 2, protect_only=True, strong=False),
    _rule(
        "tracking",
        r"(?<![\w/.-])(?P<ref>\d{2,}(?:/\d{2,})+(?:-\d+)?|\d{4,}-\d{4,}|\d{4}[ ]\d{4}[ ]\d{4}(?:[ ]\d{4})?)"
        r"(?![\w/-])",
        2,
        protect_only=True,
        strong=False,
    ),
    # ---- dates
    _rule(
        "date",
        r"(?<![\w/.:-])(?P<ref>(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?:/(?:\d{4}|\d{2}))?"
        r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{4}|\d{2}))?"
        r"|(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:\d{4}|\d{2})?)(?![\w/:-]|[.,]\d)",
        5,
    ),
    _rule(
        "date",
        rf"\b(?P<ref>(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?{MONTHS}\.?\s+(?:0?[1-9]|[12]\d|3[01])"
        rf"(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)\b",
        6,
    ),
    _rule(
        "date",
        rf"\b(?P<ref>(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{MONTHS}\.?(?:,?\s+\d{{4}})?)\b",
        6,
    ),
)

# Words before a bare number that decide its kind.
_CONTEXT_KINDS: tuple[tuple[ReferenceKind, re.Pattern[str]], ...] = (
    ("po", re.compile(r"(?i)\b(?:P\.?O\.?|purchase\s+order|order)\b")),
    ("tracking", re.compile(r"(?i)\b(?:DHL|FedEx|UPS|USPS|tracking|track|waybill|parcel|shipment|SSCC)\b")),
    ("pro", re.compile(r"(?i)\bPRO\b")),
    ("bol", re.compile(r"(?i)\b(?:BOL|B/L|bill of lading)\b")),
)
_CONTEXT_WINDOW = 40


@dataclass(frozen=True)
class ReferenceSpan:
    """One reference found in one text. `strong`: a keyword, a distinctive format or a valid check
    digit backs it. `valid=False`: found to be protected, not reported (failed check digit, or an
    identifier of no reported kind)."""

    kind: ReferenceKind
    value: str
    start: int
    end: int
    strong: bool
    valid: bool = True


def _context_kind(text: str, start: int) -> ReferenceKind | None:
    line_start = text.rfind("\n", 0, start) + 1
    window = text[max(line_start, start - _CONTEXT_WINDOW) : start]
    best: tuple[int, ReferenceKind] | None = None
    for kind, rx in _CONTEXT_KINDS:
        for m in rx.finditer(window):
            if best is None or m.end() > best[0]:
                best = (m.end(), kind)
    return best[1] if best else None


def find_reference_spans(text: str, *, resolve: bool = True) -> list[ReferenceSpan]:
    """Every pattern-based reference in `text` (no places), overlaps resolved by priority.
    `resolve=False`: every candidate, overlapping ones too (what the redactor protects)."""
    candidates: list[tuple[int, int, int, ReferenceSpan]] = []
    for rule in _RULES:
        for m in rule.regex.finditer(text):
            start, end = m.span("ref")
            value = m.group("ref")
            valid = rule.validator(value) if rule.validator else True
            if not valid and rule.on_invalid == "skip":
                continue
            strong = rule.strong if rule.strong is not None else rule.priority >= 20
            if rule.protect_only or (not valid and rule.on_invalid == "protect"):
                span = ReferenceSpan(rule.kind, value, start, end, strong=strong, valid=False)
                candidates.append((rule.priority, -(end - start), start, span))
                continue
            kind = rule.kind
            if rule.contextual:
                ctx = _context_kind(text, start)
                if ctx is not None:
                    kind, strong = ctx, True
            span = ReferenceSpan(kind, value, start, end, strong=strong, valid=True)
            candidates.append((rule.priority, -(end - start), start, span))
    if not resolve:
        return sorted((c[3] for c in candidates), key=lambda s: (s.start, s.end))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken: list[ReferenceSpan] = []
    for _, _, _, span in candidates:
        if any(span.start < t.end and t.start < span.end for t in taken):
            continue
        taken.append(span)
    taken.sort(key=lambda s: s.start)
    return taken


# --------------------------------------------------------------------------- places


@lru_cache(maxsize=1)
def _gazetteer() -> re.Pattern[str]:
    names = sorted({p.strip() for p in load_policy().places if p.strip()}, key=len, reverse=True)
    forms = sorted({f for n in names for f in (n, n.upper())}, key=len, reverse=True)
    return re.compile(r"(?<![\w<])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w>])")


PlaceFinder = Callable[[str], Iterable[tuple[int, int]]]


def spacy_place_finder(nlp: Any, labels: Sequence[str] = ("GPE", "LOC", "FAC")) -> PlaceFinder:
    """Places from a spaCy pipeline's NER (the redactor's own model: `PresidioRedactor.nlp`)."""

    def find(text: str) -> list[tuple[int, int]]:
        return [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ in labels]

    return find




def _places(text: str, finder: PlaceFinder | None) -> list[tuple[int, int]]:
    spans = [m.span() for m in _gazetteer().finditer(text)]
    if finder is not None:
        placeholders = [m.span() for m in PLACEHOLDER.finditer(text)]
        for start, end in finder(text):
            if not any(ch.isalpha() for ch in text[start:end]):
                continue
            if any(start < p_end and p_start < end for p_start, p_end in placeholders):
                continue  # "<PERSON_1>" is no place
            if any(start < s_end and s_start < end for s_start, s_end in spans):
                continue  # the gazetteer already has it
            spans.append((start, end))
    return spans


# --------------------------------------------------------------------------- message level


def find_references(text: str, field: Field = "body", *, place_finder: PlaceFinder | None = None) -> list[Reference]:
    """References of one text, in order; checksum failures left out."""
    spans = [s for s in find_reference_spans(text) if s.valid]
    refs = [Reference(kind=s.kind, value=s.value, start=s.start, end=s.end, field=field) for s in spans]
    for start, end in _places(text, place_finder):
        if any(start < s.end and s.start < end for s in spans):
            continue
        refs.append(Reference(kind="place", value=text[start:end], start=start, end=end, field=field))
    refs.sort(key=lambda r: (r.start, r.end))
    return refs


def extract_references(message: RedactedMessage, *, nlp: Any | None = None) -> list[Reference]:
    """Every reference of a redacted message, per occurrence, spans in their field.

    Places come from a gazetteer of ports and hubs, plus spaCy GPE/LOC/FAC entities when `nlp`
    (a spaCy `Language`, e.g. the redactor's) is given.
    """
    finder = spacy_place_finder(nlp) if nlp is not None else None
    texts: list[tuple[Field, str]] = []
    if message.subject:
        texts.append(("subject", message.subject))
    texts.append(("body", message.body))
    if message.thread:  # the forwarded notice or the report a reply answers (as in text_for_models)
        texts.append(("thread", message.thread[0][:THREAD_CONTEXT_CHARS]))
    texts += [("structured", v) for _, v in sorted(message.structured.items()) if v]
    texts += [("attachment", a.text) for a in message.attachments if a.text]
    seen: set[tuple[str, str, str, int]] = set()
    out: list[Reference] = []
    for field, text in texts:
        for ref in find_references(text, field, place_finder=finder):
            key = (ref.kind, ref.value, ref.field, ref.start)
            if key not in seen:
                seen.add(key)
                out.append(ref)
    return out


class RegexReferenceExtractor:
    """The reference-extraction port: the rules above, without spaCy places (triage does not need them)."""

    def extract(self, message: RedactedMessage) -> list[Reference]:
        return extract_references(message)
