"""Split an e-mail's text into the newest message, the older messages it quotes, and its signature.

Pure text work, shared by the e-mail parser: markers of forwarded and replied mail in English,
German, Spanish and French, Outlook header blocks, ">"-quoted blocks, and sign-offs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A separator line that opens an older message; the header block ("From: ...") may follow.
_SEPARATORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^\s*-{2,}\s*(forwarded message|weitergeleitete nachricht|mensaje reenviado|message transf[ée]r[ée])"
            r"\s*-{2,}\s*$",
            re.I,
        ),
        "forward",
    ),
    (re.compile(r"^\s*(begin forwarded message|anfang der weitergeleiteten nachricht)\s*:\s*$", re.I), "forward"),
    (
        re.compile(
            r"^\s*-{2,}\s*(original message|urspr[üu]ngliche nachricht|mensaje original|message d'origine)\s*-{2,}\s*$",
            re.I,
        ),
        "original",
    ),
)
# "On Mon, 2 Mar 2026 at 09:14, Ana <ana@x> wrote:" (Gmail wraps it over two lines), and its kin.
_ATTRIBUTION_START = re.compile(r"^\s*(on|am|el|le)\s+\S", re.I)
_ATTRIBUTION_END = re.compile(r"(wrote|schrieb|escribi[óo]|a [ée]crit)\s*:\s*$", re.I)
_OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")
_FROM_LINE = re.compile(r"^\s*\*{0,2}(from|von|de|da|van)\s*:", re.I)  # cheap test before _outlook_block
_HEADER = re.compile(r"^\s*\*{0,2}([A-Za-zÀ-ÿ][\w \-]{0,20}?)\s*:\*{0,2}\s*(.*)$")
_HEADER_NAMES: dict[str, str] = {
    "from": "from",
    "von": "from",
    "de": "from",
    "da": "from",
    "van": "from",
    "sent": "date",
    "date": "date",
    "gesendet": "date",
    "datum": "date",
    "enviado": "date",
    "fecha": "date",
    "envoyé": "date",
    "envoye": "date",
    "inviato": "date",
    "subject": "subject",
    "betreff": "subject",
    "asunto": "subject",
    "objet": "subject",
    "oggetto": "subject",
    "to": "to",
    "an": "to",
    "para": "to",
    "à": "to",
    "a": "to",
    "cc": "cc",
    "kopie": "cc",
    "cco": "cc",
}
_QUOTED = re.compile(r"^\s*>")
_QUOTE_PREFIX = re.compile(r"^\s*> ?")
_SIG_DELIMITER = re.compile(r"^--\s?$")
# A sign-off line, optionally followed on the same line by a capitalised name ("Best, Ana Ruiz").
_SIGN_OFF = re.compile(
    r"^\s*(?i:(((many )?thanks|thank you)\s*(and|&|,)?\s*)?((best|kind|warm|warmest)\s+)?regards|best wishes|"
    r"mit freundlichen gr(ü|ue)(ß|ss)en|freundliche gr(ü|ue)(ß|ss)e|viele gr(ü|ue)(ß|ss)e|beste gr(ü|ue)(ß|ss)e|"
    r"saludos( cordiales)?|un saludo|atentamente|cordialement|bien à vous|sincerely|best)\b[\s,.!]*"
    r"([A-ZÀ-Ý][\w.\-]*( [A-ZÀ-Ý][\w.\-]*){0,2})?\s*$"
)
_SENT_FROM = re.compile(r"^\s*(sent from my|gesendet von meinem|enviado desde mi|envoyé de mon)\b", re.I)
_FORWARD_SUBJECT = re.compile(r"^\s*(\[[^\]]*\]\s*)?(fwd?|fw|wg|tr|rv|enc|i)\s*:", re.I)

MAX_SEGMENTS = 25  # messages split out of one thread; older ones stay together in the last entry
MAX_SCAN_LINES = 5000  # lines of one message searched for the start of the next (older) one
_MAX_SIG_LINES_AFTER_DELIMITER = 20
_MAX_SIG_LINES_AFTER_SIGN_OFF = 10
_NOTE_MAX_WORDS = 12
_NOTE_PHRASE_MAX_WORDS = 30
_NOTE_PHRASE = re.compile(
    r"\b(fyi|see below|see attached|see the (mail|e-?mail|message) below|please (see|handle|advise|check|review|look)|"
    r"for your (info|information|attention)|forwarding|zur (info|kenntnis)|siehe unten|bitte (prüfen|beachten|kümmern)|"
    r"ver abajo|para su (información|conocimiento)|pour info|voir ci-dessous)\b",
    re.I,
)
_GREETING = re.compile(r"^\s*(hi|hello|hey|dear|hallo|guten (morgen|tag)|hola|bonjour)\b[^\n]{0,40}$", re.I)


@dataclass
class Segment:
    """One message of a thread: its header block (for older messages) and its text."""

    kind: str | None  # None for the newest message; forward | original | reply | headers | quote
    header_lines: list[str] = field(default_factory=list)
    content: str = ""

    def headers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in self.header_lines:
            match = _HEADER.match(line)
            if match:
                key = _HEADER_NAMES.get(match.group(1).strip().lower())
                if key and key not in found and match.group(2).strip():
                    found[key] = match.group(2).strip().strip("*").strip()
        return found

    def as_text(self) -> str:
        head = "\n".join(line.strip() for line in self.header_lines if line.strip())
        return "\n\n".join(p for p in (head, self.content.strip("\n")) if p).strip()


@dataclass
class ThreadParts:
    body: str
    thread: list[str]
    signature: str | None
    forward_note: str | None = None
    forwarded_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Marker:
    line: int  # first line of the marker
    content_start: int  # first line of the older message's own text
    kind: str


def is_forward_subject(subject: str | None) -> bool:
    return bool(subject and _FORWARD_SUBJECT.match(subject))


def _header_key(line: str) -> str | None:
    """The header a line starts with, in any known language: from, date, subject, to or cc."""
    match = _HEADER.match(line)
    return _HEADER_NAMES.get(match.group(1).strip().lower()) if match else None


def _is_header_line(line: str) -> bool:
    return _header_key(line) is not None


def _header_block_end(lines: list[str], start: int) -> int:
    """Index after the header lines ("From: ...", "Sent: ...") that begin at `start`."""
    i = start
    while i < len(lines) and i - start < 20:
        line = lines[i]
        folded = bool(line.strip()) and line[:1] in (" ", "\t") and i > start
        if _is_header_line(line) or folded:
            i += 1
        else:
            break
    return i


def _outlook_block(lines: list[str], i: int) -> tuple[bool, int]:
    """Is line i the start of an Outlook-style block "From: / Sent: / To: / Subject:"; and where it ends."""
    match = _HEADER.match(lines[i])
    if not match or _header_key(lines[i]) != "from" or not match.group(2).strip():
        return False, i + 1
    end = _header_block_end(lines, i)
    keys = {_header_key(line) for line in lines[i:end]}
    # A carrier notice may well say "From: Rotterdam / Date: 2 March"; a mail header also has a subject.
    return ("date" in keys and "subject" in keys), end


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _find_marker(lines: list[str], start: int) -> _Marker | None:
    header_run_end = 0  # lines before this belong to a header run already judged not to be a mail header
    # A message whose own text runs past MAX_SCAN_LINES is not searched further: this bounds the work on
    # hostile input (a 10 MB body of "From:" lines), and real replies start far earlier.
    for i in range(start, min(len(lines), start + MAX_SCAN_LINES)):
        line = lines[i]
        if len(line) > 1000:
            continue
        if ":" not in line and "--" not in line and "__" not in line:
            # Every marker line holds one of those, except the first line of a wrapped attribution.
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not (nxt.rstrip().endswith(":") and _ATTRIBUTION_START.match(line)):
                continue
        for pattern, kind in _SEPARATORS if ("--" in line or ":" in line) else ():
            if pattern.match(line):
                head = _skip_blank(lines, i + 1)
                end = _header_block_end(lines, head)
                return _Marker(i, end if end > head else i + 1, kind)
        if "__" in line and _OUTLOOK_RULE.match(line):
            head = _skip_blank(lines, i + 1)
            if head < len(lines):
                is_block, block_end = _outlook_block(lines, head)
                if is_block:
                    return _Marker(i, block_end, "headers")
        if _ATTRIBUTION_START.match(line):
            if _ATTRIBUTION_END.search(line) and len(line) < 400:
                return _Marker(i, i + 1, "reply")
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if _ATTRIBUTION_END.search(nxt) and len(line) + len(nxt) < 400 and not _QUOTED.match(nxt):
                return _Marker(i, i + 2, "reply")
        if i >= header_run_end and _FROM_LINE.match(line):
            is_block, header_run_end = _outlook_block(lines, i)
            if is_block:
                return _Marker(i, header_run_end, "headers")
    return None


def _unquote_line(line: str) -> str:
    return _QUOTE_PREFIX.sub("", line, count=1)


def _unquote(lines: list[str]) -> list[str]:
    """Remove one level of ">" quoting when most of the lines are quoted."""
    filled = [line for line in lines if line.strip()]
    if not filled or sum(1 for line in filled if _QUOTED.match(line)) < 0.6 * len(filled):
        return lines
    return [_unquote_line(line) for line in lines]


def split_segments(text: str) -> list[Segment]:
    """The newest message first, then each older one it forwards or quotes, newest to oldest.

    At most MAX_SEGMENTS: the rest of a longer thread stays, unsplit, in the last one.
    """
    segments = [Segment(None)]
    current = segments[0]
    lines = text.split("\n")
    while True:
        marker = _find_marker(lines, 0) if len(segments) < MAX_SEGMENTS else None
        if marker is None:
            current.content = "\n".join(lines)
            break
        current.content = "\n".join(lines[: marker.line])
        older = Segment(marker.kind, lines[marker.line : marker.content_start])
        segments.append(older)
        lines = lines[marker.content_start :]
        if marker.kind == "reply":
            lines = _unquote(lines)
        current = older
    return segments


def extract_quotes(text: str) -> tuple[str, list[str]]:
    """Take ">"-quoted blocks out of a message's own text: (text without them, the blocks unquoted)."""
    keep: list[str] = []
    blocks: list[list[str]] = []
    in_block = False
    for line in text.split("\n"):
        if line.lstrip().startswith(">"):
            if not in_block:
                blocks.append([])
                in_block = True
            blocks[-1].append(_unquote_line(line))
        else:
            in_block = False
            keep.append(line)
    quoted = [q for q in ("\n".join(b).strip() for b in blocks) if q]
    if len(quoted) > MAX_SEGMENTS:  # an inline reply with very many quoted snippets: keep them, in fewer entries
        quoted = [*quoted[: MAX_SEGMENTS - 1], "\n\n".join(quoted[MAX_SEGMENTS - 1 :])]
    return "\n".join(keep), quoted


def split_signature(text: str) -> tuple[str, str | None]:
    """(text without its signature, the signature) — a "-- " block, a sign-off block, "Sent from my ..."."""
    lines = text.rstrip().split("\n")
    filled_after = [0] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        filled_after[i] = filled_after[i + 1] + (1 if lines[i].strip() else 0)
    cut: int | None = None
    drop_delimiter = False
    # Only the tail can hold a signature: start where at most that many filled lines remain.
    first = next(i for i in range(len(lines) + 1) if filled_after[i] <= _MAX_SIG_LINES_AFTER_DELIMITER + 1)
    for i in range(first, len(lines)):
        line = lines[i]
        if i == 0 and not line.strip():
            continue
        if _SIG_DELIMITER.match(line) and filled_after[i + 1] <= _MAX_SIG_LINES_AFTER_DELIMITER:
            cut, drop_delimiter = i, True
            break
        if (
            len(line) <= 80
            and (_SIGN_OFF.match(line) or _SENT_FROM.match(line))
            and filled_after[i + 1] <= _MAX_SIG_LINES_AFTER_SIGN_OFF
        ):
            cut = i
            break
    if cut is None:
        return text.strip("\n"), None
    signature = "\n".join(lines[cut + 1 if drop_delimiter else cut :]).strip("\n")
    body = "\n".join(lines[:cut]).strip("\n")
    return body, signature.strip() or None


def is_note(text: str) -> bool:
    """A forwarding note with nothing to triage in it ("FYI, see below", "Please handle")."""
    filled = [line for line in text.split("\n") if line.strip() and not _GREETING.match(line)]
    words = " ".join(filled).split()
    if any(ch.isdigit() for ch in " ".join(filled)):  # references, dates, amounts: the note says something
        return False
    return len(words) <= _NOTE_MAX_WORDS or (len(words) <= _NOTE_PHRASE_MAX_WORDS and bool(_NOTE_PHRASE.search(text)))


def join_signatures(*sigs: str | None) -> str | None:
    kept = [s for s in sigs if s]
    return "\n\n".join(kept) if kept else None


def split_thread(text: str, *, subject: str | None = None) -> ThreadParts:
    """Newest message as body, older messages as thread, signature apart.

    When the newest message is empty, or is a short note on a forward ("FYI, see below"), the
    forwarded message becomes the body and the note is returned in `forward_note`.
    """
    segments = split_segments(text)
    newest, older = segments[0], segments[1:]
    own, quotes = extract_quotes(newest.content)
    body, signature = split_signature(own)
    thread_segments = [Segment("quote", [], q) for q in quotes] + older
    parts = ThreadParts(body=body, thread=[], signature=signature)
    first = older[0] if older else None
    forwarded = first is not None and (
        first.kind == "forward" or (first.kind in ("original", "headers") and is_forward_subject(subject))
    )
    if first is not None and not quotes and (not body.strip() or (forwarded and is_note(body))):
        inner_own, inner_quotes = extract_quotes(first.content)
        inner_body, inner_sig = split_signature(inner_own)
        if inner_body.strip():
            parts.body = inner_body
            parts.forward_note = body.strip() or None
            parts.signature = join_signatures(signature, inner_sig)
            parts.forwarded_headers = first.headers()
            thread_segments = [Segment("quote", [], q) for q in inner_quotes] + older[1:]
    parts.thread = [t for t in (s.as_text() for s in thread_segments) if t]
    return parts
