"""`Redactor` adapter: Presidio analyzer + anonymizer over the vendored spaCy model.

Per message: the spaCy pipeline runs once over all text fields (one batch), the analyzer once per
field with those NLP artifacts; results are filtered by the policy (only the replaced entity types,
no carrier/port/company as a person, nothing inside a logistics reference), names found anywhere are
swept through every field, and the anonymizer replaces each value by a placeholder shared across
the message. Nothing here logs text or values: counts and timings only.
"""

from __future__ import annotations

import logging
import os
import re
import time
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import regex

from agents.text_patterns import NAME_WORD

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio: no list download
# Presidio's own pattern recognizers (IBAN, card) time out after this many seconds and skip the
# pattern; the redactor turns that skip into a refusal (tools/redaction/budget.py). Read at import.
os.environ.setdefault("REGEX_TIMEOUT_SECONDS", "10")

from presidio_analyzer import AnalyzerEngine, EntityRecognizer
from presidio_analyzer import RecognizerResult as AnalyzerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from agents.ports import LanguageDetector, RedactionIncomplete
from agents.state import Attachment, InboundMessage, RedactedMessage, RedactionStats
from tools.redaction.budget import Timer, check_budget, check_nothing_skipped, redacting, watch_presidio_skips
from tools.redaction.engine import VendoredSpacyNlpEngine, build_analyzer
from tools.redaction.phone_regions import find_phone_numbers, impossible_after_00, regions_for
from tools.redaction.placeholders import PlaceholderMap
from tools.redaction.policy import RedactionPolicy, load_policy, name_words
from tools.redaction.recognizers import build_recognizers
from tools.references import ReferenceSpan, find_reference_spans

log = logging.getLogger(__name__)

# Entity types with their own validation (checksum, shape): only a strong reference overrides them.
_VALIDATED_TYPES = frozenset({"IBAN_CODE", "CREDIT_CARD", "EMAIL_ADDRESS", "STREET_ADDRESS", "NATIONAL_ID"})
_LOCAL_PART_SPLIT = re.compile(r"[^\w]+|\d+|_")
_SIGNATURE_SEPARATOR = "\n\n-- \n"
_MAX_FIELD_CHARS = 100_000
# Defaults of `TRIAGE_REDACTION_BUDGET_MS` / `TRIAGE_REDACTION_MAX_CHARS` (agents/settings.py).
DEFAULT_BUDGET_MS = 10_000
DEFAULT_MAX_CHARS = 100_000
_UNIT_SEPARATOR = "\n\n"
# Overlapping results: the validated, pattern-shaped types win over a name ("Entrega en Calle" is
# no person when "Calle Mayor 23" is an address).
_PRECEDENCE = {
    "EMAIL_ADDRESS": 0,
    "IBAN_CODE": 1,
    "CREDIT_CARD": 2,
    "STREET_ADDRESS": 3,
    "PHONE_NUMBER": 4,
    "PERSON": 5,
    "NATIONAL_ID": 6,
}
_RECOGNIZER_NAME_KEY = AnalyzerResult.RECOGNIZER_NAME_KEY
_NAME_TOKEN = re.compile(r"\S+")
_NANP = re.compile(r"(?:1[ .-])?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}")
# spaCy's tokenizer peels suffixes off a token one at a time, each try a search of its suffix rules:
# on a long run without spaces (2,000 apostrophes) that is ~1.5 ms a character (measured). The NER gets
# a copy of the text, of the same length, with such runs cut by a space every _RUN_PIECE characters
# (40 ms for those 2,000 apostrophes instead of 2.6 s); the patterns still run on the text itself.
_LONG_RUN = re.compile(r"\S{65,}")
# A line of two or three lower-case words: a name written in lower case ("joão rocha" over a phone),
# replaced only when the sender's address spells every word of it
_LOWER_CASE_LINE = regex.compile(r"(?m)^[ \t]*+(\p{Ll}{2,30}(?:[ \t]\p{Ll}{2,30}){1,2})[ \t]*+$")
_RUN_PIECE = 32


def _ner_text(text: str) -> str:
    """`text` with every run of more than 64 non-space characters cut by a space every 32 (same offsets)."""
    if len(text) < 65 or not _LONG_RUN.search(text):
        return text
    chars = list(text)
    for m in _LONG_RUN.finditer(text):
        for i in range(m.start() + _RUN_PIECE, m.end(), _RUN_PIECE):
            chars[i] = " "
    return "".join(chars)


@dataclass
class _Field:
    kind: str  # subject | body | thread | signature | attachment | meta
    text: str
    index: int = 0  # position in thread / attachments
    # meta only: (owner, key, start, end) of each structured value or attachment filename
    parts: list[tuple[str, str | int, int, int]] = field(default_factory=list)
    _refs: list[ReferenceSpan] | None = None

    @property
    def refs(self) -> list[ReferenceSpan]:
        """Every reference candidate of the text (computed once)."""
        if self._refs is None:
            self._refs = find_reference_spans(self.text, resolve=False)
        return self._refs


@dataclass
class _Hit:
    start: int
    end: int
    entity: str
    score: float
    from_ner: bool = False  # found by the spaCy model alone (no pattern backs it)
    regional: bool = False  # a number libphonenumber validated for a region the message points to


@dataclass
class _Unit:
    """One analyzer run: a field, or the subject joined to the body (one spaCy doc and one analyzer
    call instead of two, measured 1.6 ms less per message; the body's own recognizers run on it)."""

    text: str
    kind: str
    members: list[tuple[int, int]]  # (field index, offset of the field in `text`)


def _analysis_units(fields: Sequence[_Field]) -> list[_Unit]:
    if len(fields) >= 2 and fields[0].kind == "subject" and fields[1].kind == "body":
        subject, body = fields[0].text, fields[1].text
        # A blank line between them: line-anchored patterns see the body start as a paragraph start.
        joined = _Unit(subject + _UNIT_SEPARATOR + body, "body", [(0, 0), (1, len(subject) + len(_UNIT_SEPARATOR))])
        return [joined] + [_Unit(f.text, f.kind, [(i, 0)]) for i, f in enumerate(fields) if i >= 2]
    return [_Unit(f.text, f.kind, [(i, 0)]) for i, f in enumerate(fields)]


def same_span(ref: ReferenceSpan, hit: _Hit) -> bool:
    return ref.start == hit.start and ref.end == hit.end


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


class PresidioRedactor:
    """Implements `agents.ports.Redactor`. Loads the spaCy model in `__init__` (a few seconds):
    build one per process and reuse it."""

    def __init__(
        self,
        policy: RedactionPolicy | None = None,
        model_path: Path | None = None,
        *,
        budget_ms: int = DEFAULT_BUDGET_MS,
        max_chars: int = DEFAULT_MAX_CHARS,
        timer: Timer = time.monotonic,
        language_detector: LanguageDetector | None = None,
    ):
        self.policy = policy or load_policy()
        self.language_detector = language_detector
        if language_detector is not None:  # its models load now, not inside the first message's budget
            language_detector.detect("The language models load before the first message is timed.")
        # Per message: a wall-clock budget and an analysable size; over either, the message is refused
        # (RedactionIncomplete), never passed on partly redacted.
        if max_chars > _MAX_FIELD_CHARS:  # longer fields would be cut in pieces without overlap
            raise ValueError(f"max_chars {max_chars} is over the analysable {_MAX_FIELD_CHARS} characters")
        self.budget_ms = budget_ms
        self.max_chars = max_chars
        self.timer = timer
        watch_presidio_skips()
        # presidio-analyzer logs the text around each hit at DEBUG: never let that reach a log (invariant 1)
        for name in ("presidio-analyzer", "presidio-anonymizer"):
            logging.getLogger(name).setLevel(logging.WARNING)
        started = time.perf_counter()
        self.analyzer: AnalyzerEngine = build_analyzer(self.policy, model_path)
        self.anonymizer = AnonymizerEngine()
        self._field_recognizers: dict[str, list[EntityRecognizer]] = {
            kind: build_recognizers(self.policy, only_fields=kind)
            for kind in {f for spec in self.policy.patterns for f in (spec.fields or [])}
        }
        self._field_only_by_kind: dict[str, set[str]] = {
            kind: {spec.name for spec in self.policy.patterns if kind in (spec.fields or [])}
            for kind in self._field_recognizers
        }
        self._field_only: set[str] = set().union(*self._field_only_by_kind.values())
        self._entities = list(self.policy.replace_entities)
        words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in self.policy.nlp.single_word_person_context)
        self._person_context = re.compile(rf"(?i:\b(?:{words}))\s+$" if words else r"(?!)")
        words = self.policy.fragments.get("PHONE_WORDS", "(?i:tel|phone|mobile|call)")
        self._phone_words = re.compile(rf"(?:\b{words}|\b[TMPF])\b\.?[ \t]*(?:no\.?|number|#)?[ \t]*[:.]?[^\n]*$")
        # A name right after a person's title ("Hallo Frau Schneider"): read on the 20 characters before it
        title = self.policy.expand("<<TITLE>>") if "TITLE" in self.policy.fragments else "(?!)"
        self._after_title = regex.compile(rf"(?<![^\W\d_]){title}[ \t]{{1,4}}$")
        self._title_first = regex.compile(rf"{title}[ \t]{{1,4}}\S")
        # A national number (with a space, dash or slash: no date) right after a preposition that
        # introduces one ("erreichbar unter 0160 ...", "bel me op 06 ...") or after a name and a comma
        # ("Ole, 0152 ..."): a phone, even when a part of its digits looks like a reference.
        # These read only the 40 characters before the number.
        words = self.policy.fragments.get("PHONE_LEAD_WORDS", "(?!)")
        name_word = self.policy.expand("<<NAME_WORD>>") if "NAME_WORD" in self.policy.fragments else "(?!)"
        self._phone_lead = regex.compile(rf"(?:\b{words}|{name_word},)[ \t]{{1,4}}$")
        # A national number right after a reference word ("envío 0082 7741 2290",
        # "NF-e 001.224.778", "spedizione MI 771203 9912") or glued to more digits is a reference.
        words = self.policy.fragments.get("REFERENCE_LEAD_WORDS", "(?!)")
        self._reference_lead = regex.compile(
            rf"(?:\b{words})[ \t]{{0,3}}(?:[:#][ \t]{{0,3}})?(?:[A-Z]{{1,3}}[ \t]{{1,3}})?$"
        )
        # A number right after a short sign-off and a name ("gr Dennis 0612887340"): the writer's phone,
        # even written as one run of digits (read on the line before the number only)
        short = self.policy.fragments.get("SHORT_SIGN_OFF", "(?!)")
        self._signed_number = regex.compile(
            rf"[ \t>]*{short}\.?[ \t]*,?[ \t]+{name_word}(?:[ \t]+{name_word})?[ \t]{{1,3}}"
        )
        log.info("redactor ready in %.1fs", time.perf_counter() - started)

    @property
    def nlp_engine(self) -> VendoredSpacyNlpEngine:
        engine = self.analyzer.nlp_engine
        assert isinstance(engine, VendoredSpacyNlpEngine)
        return engine

    @property
    def nlp(self) -> Any:
        """The spaCy `Language` (NER only), e.g. for `extract_references(..., nlp=redactor.nlp)`."""
        return self.nlp_engine.language

    # ------------------------------------------------------------------ public

    def redact(self, message: InboundMessage) -> RedactedMessage:
        """The redacted message, or `RedactionIncomplete` (over budget, too large, a recognizer that
        timed out or failed): all or nothing."""
        with redacting(self.budget_ms, self.timer):
            return self._redact(message)

    def redact_many(self, messages: Sequence[InboundMessage], batch_size: int = 64) -> list[RedactedMessage | None]:
        """`redact` for a backlog: one `nlp.pipe` over every analysis unit of every message, then the
        same per-message analysis, budget and replacement as `redact` (the results are identical; a
        test checks). A message `redact` would refuse (too large, over budget) comes back as None: the
        caller redacts it alone, which refuses it with the same reason."""
        fields = [self._fields(m) for m in messages]
        fits = [sum(len(f.text) for f in message_fields) <= self.max_chars for message_fields in fields]
        units = [_analysis_units(f) if ok else [] for f, ok in zip(fields, fits, strict=True)]
        texts = [_ner_text(u.text) for message_units in units for u in message_units]
        language = self.policy.language
        artifacts = [item[1] for item in self.nlp_engine.process_batch(texts, language, batch_size)] if texts else []
        out: list[RedactedMessage | None] = []
        position = 0
        for message, message_fields, message_units in zip(messages, fields, units, strict=True):
            mine = artifacts[position : position + len(message_units)]
            position += len(message_units)
            if not message_units:
                out.append(None)
                continue
            try:
                with redacting(self.budget_ms, self.timer):
                    out.append(self._redact_fields(message, message_fields, mine))
            except RedactionIncomplete:
                out.append(None)
        return out

    def _redact(self, message: InboundMessage) -> RedactedMessage:
        fields = self._fields(message)
        size = sum(len(f.text) for f in fields)
        if size > self.max_chars:
            raise RedactionIncomplete(
                "redaction_too_large",
                f"redaction refused: {size} characters of text, more than the analysable {self.max_chars}",
            )
        return self._redact_fields(message, fields, self._nlp_artifacts(_analysis_units(fields)))

    def _redact_fields(
        self, message: InboundMessage, fields: list[_Field], artifacts: Sequence[NlpArtifacts]
    ) -> RedactedMessage:
        started = time.perf_counter()
        language = self._language(message)
        hits = self._analyze(fields, artifacts, language, regions_for(language, sender_domain(message.sender)))
        check_budget("analysis")
        self._sweep_names(fields, hits, message.sender)
        self._lower_case_signatures(fields, hits, message.sender)
        check_budget("name sweep")
        for i, f in enumerate(fields):
            hits[i] = self._merge(f.text, hits[i])
        occurrences = [(h.entity, f.text[h.start : h.end]) for f, fh in zip(fields, hits, strict=True) for h in fh]
        placeholders = PlaceholderMap(occurrences)
        redacted: list[str | dict[tuple[str, str | int], str]] = [
            self._anonymize_parts(f, fh, placeholders)
            if f.kind == "meta"
            else self._anonymize(f.text, fh, placeholders)
            for f, fh in zip(fields, hits, strict=True)
        ]
        counts = Counter(h.entity for fh in hits for h in fh)
        result = self._assemble(message, fields, redacted, counts).model_copy(update={"language": language})
        log.debug(
            "redacted message: fields=%d replaced=%s in %.1f ms",
            len(fields),
            dict(counts),
            (time.perf_counter() - started) * 1000,
        )
        return result

    # ------------------------------------------------------------------ fields

    @staticmethod
    def _fields(message: InboundMessage) -> list[_Field]:
        fields: list[_Field] = []
        texts: list[tuple[str, str, int]] = [("subject", message.subject or "", 0), ("body", message.body, 0)]
        texts += [("thread", t, i) for i, t in enumerate(message.thread)]
        texts += [("signature", message.signature or "", 0)]
        texts += [("attachment", a.text or "", i) for i, a in enumerate(message.attachments)]
        for kind, text, index in texts:
            if text or kind == "body":
                # a long attachment is analysed in line-aligned chunks (spaCy's length limit, memory)
                fields += [_Field(kind, chunk, index) for chunk in _chunks(text, _MAX_FIELD_CHARS)]
        # Structured portal values and attachment file names: short, analysed together as one text
        meta = _Field("meta", "")
        chunks: list[str] = []
        offset = 0
        items: list[tuple[str, str | int, str]] = [("structured", k, v) for k, v in message.structured.items()]
        items += [("filename", i, a.filename) for i, a in enumerate(message.attachments)]
        for owner, key, value in items:
            meta.parts.append((owner, key, offset, offset + len(value)))
            chunks.append(value)
            offset += len(value) + 1
        meta.text = "\n".join(chunks)
        if meta.text.strip():
            fields.append(meta)
        return fields

    # ------------------------------------------------------------------ analysis

    def _language(self, message: InboundMessage) -> str | None:
        if self.language_detector is None:
            return None
        return self.language_detector.detect(f"{message.subject or ''}\n{message.body}"[:4000])

    def _nlp_artifacts(self, units: Sequence[_Unit]) -> list[NlpArtifacts]:
        # one spaCy pass over every unit of the message (nlp.pipe; a plain call for the usual single
        # unit, which skips pipe's batching)
        model_language = self.policy.language
        if len(units) == 1:
            artifacts = [self.nlp_engine.process_text(_ner_text(units[0].text), model_language)]
        else:
            batch = self.nlp_engine.process_batch([_ner_text(u.text) for u in units], model_language, len(units))
            artifacts = [item[1] for item in batch]
        check_budget("spaCy NER")
        return artifacts

    def _analyze(
        self, fields: Sequence[_Field], artifacts: Sequence[NlpArtifacts], language: str | None, regions: Sequence[str]
    ) -> list[list[_Hit]]:
        """The analyzer per unit, over the units' spaCy artifacts (`_nlp_artifacts`), then the national phone
        formats of the regions the message points to (`regions`, from its `language` and sender)."""
        units = _analysis_units(fields)
        out: list[list[_Hit]] = [[] for _ in fields]
        for unit, nlp_artifacts in zip(units, artifacts, strict=True):
            results = self.analyzer.analyze(
                text=unit.text,
                language=self.policy.language,
                entities=self._entities,
                nlp_artifacts=nlp_artifacts,
                score_threshold=self.policy.score_threshold,
                ad_hoc_recognizers=self._field_recognizers.get(unit.kind) or None,
            )
            check_nothing_skipped()  # Presidio's own recognizers skip a pattern that timed out: not here
            for r in results:
                source = (r.recognition_metadata or {}).get(_RECOGNIZER_NAME_KEY, "")
                for index, offset in unit.members:
                    f = fields[index]
                    start, end = max(r.start - offset, 0), min(r.end - offset, len(f.text))
                    if start >= end or not self._runs_on(source, f.kind):
                        continue
                    raw = _Hit(start, end, r.entity_type, r.score, from_ner=source == "SpacyRecognizer")
                    out[index] += self._keep(f, raw, language)
        for index, f in enumerate(fields):  # national formats of the regions the message points to
            for start, end in find_phone_numbers(f.text, regions):
                out[index] += self._keep(f, _Hit(start, end, "PHONE_NUMBER", 0.7, regional=True), language)
        return out

    def _runs_on(self, recognizer: str, kind: str) -> bool:
        """A field-restricted recognizer counts only in its own fields (units join fields)."""
        return recognizer not in self._field_only or recognizer in self._field_only_by_kind.get(kind, ())

    def _keep(self, f: _Field, raw: _Hit, language: str | None = None) -> list[_Hit]:
        kept: list[_Hit] = []
        for hit in self._clean(f.text, raw):
            if self._unsupported_ner_word(f.text, hit, language):
                continue  # the name sweep brings it back if the message names it elsewhere
            if hit.entity == "PHONE_NUMBER" and self._reference_number(f.text, hit):
                continue
            if not self._is_reference(f.text, hit, f.refs):
                kept.append(hit)
        return kept

    def _clean(self, text: str, hit: _Hit) -> Iterable[_Hit]:
        """Trim a hit to its meaningful text; persons are checked against the deny lists."""
        if hit.entity not in self._entities:
            return
        value = text[hit.start : hit.end]
        if hit.entity == "PHONE_NUMBER":
            if "\n" in value or "  " in value or "\t" in value:
                return  # libphonenumber joins digits across columns ("02231  18")
            if value.strip().isdigit() and not self._signed(text, hit):
                return  # a bare digit run is a reference far more often than a phone
        if hit.entity == "CREDIT_CARD" and sum(ch.isdigit() for ch in value) not in (15, 16, 19):
            return  # Luhn-valid 12-14 digit runs here are transaction and parcel numbers
        if hit.entity != "PERSON":
            stripped = value.rstrip(" \t\r\n.,;:")
            yield _Hit(hit.start, hit.start + len(stripped), hit.entity, hit.score, regional=hit.regional)
            return
        # A person never spans lines ("Maria Gonzalez\nOps Coordinator"): judge each line alone
        pos = hit.start
        for line in value.split("\n"):
            lead = len(line) - len(line.lstrip())
            name = line.strip().rstrip(".,;:'’")
            if name.endswith(("'s", "’s")):
                name = name[:-2]
            start = pos + lead
            pos += len(line) + 1
            if not name or any(ch.isdigit() or ch in "@<>/|" for ch in name):
                continue
            if name.isupper() and " " not in name and len(name) <= 3:
                continue  # acronyms the NER calls a person (NHC, DAL)
            name, start = _trim_name(name, start)
            if not name or self.policy.is_not_a_person(name, titled=self._titled(text, name, start)):
                continue
            yield _Hit(start, start + len(name), "PERSON", hit.score, hit.from_ner)

    def _titled(self, text: str, name: str, start: int) -> bool:
        """The name follows a person's title, or starts with one ("Frau Schneider")."""
        return bool(self._after_title.search(text, max(0, start - 24), start) or self._title_first.match(name))

    def _unsupported_ner_word(self, text: str, hit: _Hit, language: str | None = None) -> bool:
        # The English NER reads capitalised nouns of other languages as names ("Zustellung bei
        # Kunde"): there every NER-only person needs the same support as a lone word.
        foreign = language is not None and language != self.policy.language
        if not (
            self.policy.nlp.single_word_person_needs_support
            and hit.entity == "PERSON"
            and hit.from_ner
            and (foreign or " " not in text[hit.start : hit.end])
        ):
            return False
        return not self._person_context.search(text[max(0, hit.start - 30) : hit.start])

    def _reference_number(self, text: str, hit: _Hit) -> bool:
        """A phone-shaped number that a reference word introduces ("spedizione MI 771203 9912"), or that
        is one piece of a longer run of digit groups ("0284 0012 3344 55"), or that no country's numbering
        allows after its 00 prefix ("N° 3S QRB 0041 8872"); never a possible international one."""
        if impossible_after_00(text[hit.start : hit.end]):
            return True
        if text[hit.start : hit.end].startswith(("+", "00", "(")):
            return False
        before = text[max(0, hit.start - 40) : hit.start]
        if self._reference_lead.search(before):
            return True
        after = text[hit.end : hit.end + 2]
        glued_before = len(before) >= 2 and before[-1] in " ." and before[-2].isdigit()
        glued_after = len(after) == 2 and after[0] in " ." and after[1].isdigit()
        return glued_before or glued_after

    def _signed(self, text: str, hit: _Hit) -> bool:
        """The number ends a sign-off line, after a short closing and a name ("gr Dennis 0612887340")."""
        line_start = text.rfind("\n", 0, hit.start) + 1
        line_end = text.find("\n", hit.end)
        if text[hit.end : line_end if line_end >= 0 else None].strip() or hit.start - line_start > 60:
            return False
        return bool(self._signed_number.fullmatch(text, line_start, hit.start))

    def _strong_phone(self, text: str, hit: _Hit) -> bool:
        """International or bracketed format, a phone word just before it, a line of its own, or the
        end of a signed line."""
        value = text[hit.start : hit.end]
        if value.startswith(("+", "00", "(")) or _NANP.fullmatch(value) or self._signed(text, hit):
            return True
        line_start = text.rfind("\n", 0, hit.start) + 1
        before = text[max(line_start, hit.start - 40) : hit.start]
        if self._phone_words.search(before):
            return True
        if value.startswith("0") and any(ch in value for ch in " -/") and self._phone_lead.search(before):
            return True
        line_end = text.find("\n", hit.end)
        return not before.strip(" \t>|") and not text[hit.end : line_end if line_end >= 0 else None].strip(" \t|")

    def _is_reference(self, text: str, hit: _Hit, refs: Sequence[ReferenceSpan]) -> bool:
        """A result that is (part of) a logistics reference is not personal data.

        E-mail, street, IBAN and card results have their own validation: only a strong reference
        (keyword, distinctive format, check digit) that is not inside them wins. A phone or a name
        loses to any strong reference it touches, and to a weak one (a bare number) unless the phone
        itself is unmistakable ("+49 30 1234567890", "Tel: 0412 881 903").
        """
        strong_hit: bool | None = None
        for ref in refs:
            if not _overlaps(hit.start, hit.end, ref.start, ref.end):
                continue
            contains_ref = hit.start <= ref.start and ref.end <= hit.end
            if hit.entity in _VALIDATED_TYPES:
                same = ref.start == hit.start and ref.end == hit.end
                if ref.strong and (same or not contains_ref):
                    return True  # "Transaction 11842066031875": the keyword says what it is
                continue
            if ref.strong:
                # "Phone number on the job 07456 889012": a reference word took the first digit group
                # of a validated number that a phone word introduces
                if not (hit.regional and contains_ref and not same_span(ref, hit) and self._strong_phone(text, hit)):
                    return True
                continue
            if strong_hit is None:
                # a regional find is no stronger than any other phone here: French references look like
                # national numbers ("0612-884401"), and a lost reference breaks the ERP lookup
                strong_hit = hit.entity == "PHONE_NUMBER" and self._strong_phone(text, hit)
            if not strong_hit:
                return True
        return False

    # ------------------------------------------------------------------ names

    def _name_seeds(self, fields: Sequence[_Field], hits: Sequence[Sequence[_Hit]], sender: str | None) -> set[str]:
        """Words of the names found anywhere in the message, of the sender's display name and of
        personal e-mail local parts ("maria.gonzalez@..." -> maria, gonzalez)."""
        seeds: set[str] = set()
        emails: list[str] = []
        for f, fh in zip(fields, hits, strict=True):
            others = [h for h in fh if h.entity != "PERSON"]
            for h in fh:
                value = f.text[h.start : h.end]
                if h.entity == "PERSON":
                    if any(_overlaps(h.start, h.end, o.start, o.end) for o in others):
                        continue  # "Tradeport Dr" inside a street address is no one's name
                    if h.from_ner and " " not in value.strip():
                        continue  # a lone word only the NER calls a person ("Reason:") is not spread
                    seeds.update(w.casefold() for w in NAME_WORD.findall(value) if len(w) > 2 or w.istitle())
                elif h.entity == "EMAIL_ADDRESS":
                    emails.append(value)
        if sender:
            display, address = parseaddr(sender)
            if address and "@" in address:
                emails.append(address)
                if display and not self.policy.is_not_a_person(display):
                    seeds.update(w for w in name_words(display) if len(w) > 1)
        for email in emails:
            words = [w.casefold() for w in _LOCAL_PART_SPLIT.split(email.split("@")[0]) if w]
            if not words or any(self._mailbox_word(w) for w in words):
                continue  # a role mailbox (ops@, atl.dispatch@, mia.airexport@): no name in it
            seeds.update(w for w in words if len(w) >= 3)
        return {s for s in seeds if s not in self.policy.particle_set and not self.policy.is_not_a_person(s)}

    def _mailbox_word(self, word: str) -> bool:
        if word in self.policy.mailbox_word_set or self.policy.is_not_a_person(word):
            return True
        return any(len(m) >= 4 and m in word for m in self.policy.mailbox_word_set)  # "airexport"

    def _sweep_names(self, fields: Sequence[_Field], hits: list[list[_Hit]], sender: str | None) -> None:
        """Every capitalised occurrence of a known name word becomes a PERSON hit, in every field."""
        seeds = self._name_seeds(fields, hits, sender)
        if not seeds:
            return
        words = "|".join(re.escape(s) for s in sorted(seeds, key=len, reverse=True))
        # "_" separates words here: file names ("POD_Maria_Gonzalez.pdf") and mailbox-like ids
        rx = re.compile(rf"(?<![^\W_]|[@.+-])(?:{words})(?![^\W_]|@|['’][^\W_])", re.IGNORECASE)
        for i, f in enumerate(fields):
            for m in rx.finditer(f.text):
                word = m.group(0)
                if not word[0].isupper() or (word.isupper() and len(word) <= 4):
                    continue  # "will", "may": only a capitalised word; "MIA", "FRA" are airport codes
                if any(_overlaps(m.start(), m.end(), h.start, h.end) for h in hits[i]):
                    continue
                if any(_overlaps(m.start(), m.end(), r.start, r.end) for r in f.refs):
                    continue
                hits[i].append(_Hit(m.start(), m.end(), "PERSON", 0.6))

    def _lower_case_signatures(self, fields: Sequence[_Field], hits: list[list[_Hit]], sender: str | None) -> None:
        """A line of lower-case words that the sender's address spells ("joão rocha" from
        joao.rocha.transportes@...) is the sender's name, written the way a phone writes it."""
        _, address = parseaddr(sender or "")
        if "@" not in address:
            return
        spelled = {_fold(w) for w in _LOCAL_PART_SPLIT.split(address.split("@")[0]) if len(w) >= 2}
        if not spelled:
            return
        for i, f in enumerate(fields):
            if f.kind == "meta":
                continue
            for m in _LOWER_CASE_LINE.finditer(f.text):
                words = m.group(1).split()
                if any(_fold(w) not in spelled or w in self.policy.particle_set for w in words):
                    continue
                start, end = m.span(1)
                if any(_overlaps(start, end, h.start, h.end) for h in hits[i]):
                    continue
                hits[i].append(_Hit(start, end, "PERSON", 0.6))

    # ------------------------------------------------------------------ merge and replace

    @staticmethod
    def _merge(text: str, hits: list[_Hit]) -> list[_Hit]:
        """Non-overlapping hits (longer, then higher score wins); adjacent name parts joined."""
        # The chosen hits never overlap, so kept sorted by start a new hit can only overlap its two
        # neighbours: found by bisection (the pairwise check was quadratic in the hits, issue 19).
        chosen: list[_Hit] = []
        starts: list[int] = []
        for h in sorted(hits, key=lambda h: (_PRECEDENCE.get(h.entity, 9), -(h.end - h.start), -h.score, h.start)):
            i = bisect_left(starts, h.start)
            if (i > 0 and chosen[i - 1].end > h.start) or (i < len(chosen) and chosen[i].start < h.end):
                continue
            chosen.insert(i, h)
            starts.insert(i, h.start)
        merged: list[_Hit] = []
        for h in chosen:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and prev.entity == h.entity == "PERSON"
                and text[prev.end : h.start].strip(" \t") == ""
                and h.start - prev.end <= 2
            ):
                merged[-1] = _Hit(prev.start, h.end, "PERSON", max(prev.score, h.score))
            else:
                merged.append(h)
        return merged

    def _anonymize(self, text: str, hits: Sequence[_Hit], placeholders: PlaceholderMap) -> str:
        if not hits:
            return text
        operators = {
            entity: OperatorConfig("custom", {"lambda": lambda value, e=entity: placeholders.placeholder(e, value)})
            for entity in {h.entity for h in hits}
        }
        results = [RecognizerResult(h.entity, h.start, h.end, h.score) for h in hits]
        return self.anonymizer.anonymize(
            text=text, analyzer_results=results, operators=operators, merge_entities_with_spaces=False
        ).text

    def _anonymize_parts(
        self, f: _Field, hits: Sequence[_Hit], placeholders: PlaceholderMap
    ) -> dict[tuple[str, str | int], str]:
        """Meta text: each structured value / file name replaced on its own."""
        out: dict[tuple[str, str | int], str] = {}
        for owner, key, start, end in f.parts:
            part_hits = [
                _Hit(max(h.start, start) - start, min(h.end, end) - start, h.entity, h.score)
                for h in hits
                if _overlaps(h.start, h.end, start, end)
            ]
            out[(owner, key)] = self._anonymize(f.text[start:end], part_hits, placeholders)
        return out

    # ------------------------------------------------------------------ output

    @staticmethod
    def _assemble(
        message: InboundMessage,
        fields: Sequence[_Field],
        redacted: Sequence[str | dict[tuple[str, str | int], str]],
        counts: Counter[str],
    ) -> RedactedMessage:
        subject: str | None = None
        body = ""
        signature: str | None = None
        thread = list(message.thread)
        attachment_text: dict[int, str] = {}
        structured = dict(message.structured)
        filenames = {i: a.filename for i, a in enumerate(message.attachments)}
        joined: dict[tuple[str, int], list[str]] = {}
        for f, out in zip(fields, redacted, strict=True):
            if isinstance(out, dict):
                for (owner, key), value in out.items():
                    if owner == "structured":
                        structured[str(key)] = value
                    else:
                        filenames[int(key)] = value
            else:
                joined.setdefault((f.kind, f.index), []).append(out)
        for (kind, index), chunks in joined.items():
            out = "".join(chunks)
            if kind == "subject":
                subject = out
            elif kind == "body":
                body = out
            elif kind == "thread":
                thread[index] = out
            elif kind == "signature":
                signature = out
            elif kind == "attachment":
                attachment_text[index] = out
        if signature and message.signature and message.signature.strip() not in message.body:
            body = body.rstrip() + _SIGNATURE_SEPARATOR + signature
        attachments = [
            Attachment(
                filename=filenames[i],
                content_type=a.content_type,
                size=a.size,
                text=attachment_text.get(i, a.text),
                note=a.note,
            )
            for i, a in enumerate(message.attachments)
        ]
        return RedactedMessage(
            channel=message.channel,
            sender_domain=sender_domain(message.sender),
            subject=subject,
            body=body,
            thread=thread,
            attachments=attachments,
            received_at=message.received_at,
            structured=structured,
            context=dict(message.context),
            stats=RedactionStats(counts=dict(counts)),
        )


def _chunks(text: str, limit: int) -> list[str]:
    """`text` cut after newlines into pieces of at most about `limit` characters ("".join restores it)."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + limit, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        out.append(text[start:end])
        start = end
    return out


def _fold(word: str) -> str:
    """`word` case-folded without its accents ("João" -> "joao"), as an e-mail address spells it."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch))


def _trim_name(name: str, start: int) -> tuple[str, int]:
    """Drop lower-case words at either end of a name ("ta - Pat" -> "Pat"; "max" -> "").
    Names in scripts without case (CJK) are kept as they are."""
    tokens = [(m.start(), m.group(0)) for m in _NAME_TOKEN.finditer(name)]

    def named(tok: str) -> bool:
        return any(ch.isupper() for ch in tok) or any(ch.isalpha() and not (ch.islower() or ch.isupper()) for ch in tok)

    while tokens and not named(tokens[0][1]):
        tokens.pop(0)
    while tokens and not named(tokens[-1][1]):
        tokens.pop()
    if not tokens:
        return "", start
    first, last = tokens[0][0], tokens[-1][0] + len(tokens[-1][1])
    return name[first:last], start + first


def sender_domain(sender: str | None) -> str | None:
    """The domain of the sender's address, lower-cased; None when the sender is not an address."""
    if not sender:
        return None
    _, address = parseaddr(sender)
    if "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().strip(">").lower()
    return domain or None


def build_redactor(
    settings: Any = None, *, policy_path: Path | None = None, language_detector: LanguageDetector | None = None
) -> PresidioRedactor:
    """The product's redactor. Loads the spaCy model (a few seconds): call once per process and keep
    the result (the service container / test session fixture caches it). `settings` (agents.settings.
    Settings) gives the per-message budget: TRIAGE_REDACTION_BUDGET_MS, TRIAGE_REDACTION_MAX_CHARS."""
    return PresidioRedactor(
        load_policy(policy_path),
        language_detector=language_detector,
        budget_ms=int(getattr(settings, "redaction_budget_ms", DEFAULT_BUDGET_MS)),
        max_chars=int(getattr(settings, "redaction_max_chars", DEFAULT_MAX_CHARS)),
    )
