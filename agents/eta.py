"""The new ETA a message gives, as an ISO date: dates as senders write them in seven languages.

Dates are read with the table in policies/dates.yaml (month and weekday names, relative days, the words
that announce a new delivery date, and those that mark an old date or a departure): "NEUE ETA 14.01.2026",
"livraison prévue le 20/02", "15 de enero", "martedì 25/08", "Zustellung Montag", "demain". A date
without a year, a weekday or a relative day is resolved against the day the message arrived
(`received_at`); with no such day it is returned as written, never with a guessed year.

The table is data read from a file, not a policy engine: this module stays in the core.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATES_FILE = Path(__file__).parents[1] / "policies" / "dates.yaml"
_BEFORE = 80  # characters before a date in which an announcing word counts
_AFTER = 40  # after it, for verb-final phrasings ("op dinsdag 28 april bezorgd")
_NEGATION_TOKENS = 4  # a negation this many words before an announcing word cancels it
_NEXT_YEAR_DAYS = 120  # a year-less date that has passed is next year's when that is this close ("05/01" in December)
# Read on the original text: a sentence ends before a capital or a digit, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\u00c0-\u00de])|\n\s*\n|\n(?=[-*\u2022])|[.!?]\s*$")
_CLAUSE_END = re.compile(r"[,;:()]")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: date | None  # None: no year and nothing to resolve it against


def fold(text: str) -> str:
    """Lower case without accents, one character per character (offsets stay valid)."""
    return "".join(unicodedata.normalize("NFD", c)[0] for c in text.lower())


@dataclass(frozen=True)
class _Table:
    months: dict[str, int]
    weekdays: dict[str, int]
    numeric: re.Pattern[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    weekday: re.Pattern[str]
    relative: list[tuple[str, re.Pattern[str]]]
    words: dict[str, re.Pattern[str]]  # delivery, eta, not_eta
    negation: re.Pattern[str]
    open_question: re.Pattern[str]
    open_question_ends: re.Pattern[str]
    done: re.Pattern[str]
    future: re.Pattern[str]


def _alternation(names: list[str]) -> str:
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w])")


@cache
def _table(path: Path = DATES_FILE) -> _Table:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    months = {str(n): i + 1 for i, names in enumerate(data["months"]) for n in names}
    weekdays = {str(n): i for i, names in enumerate(data["weekdays"]) for n in names}
    month = rf"(?P<month>{_alternation(list(months))})\.?"
    year = r"(?:,?\s+(?:de\s+)?(?P<year>\d{4}))?"
    day = r"(?P<day>0?[1-9]|[12]\d|3[01])"
    return _Table(
        months=months,
        weekdays=weekdays,
        # 14.01.2026, 14.01.26, 11.07., 14/01/2026, 15/06, 14-01-26 (a dash needs the year: "4-5 hours")
        numeric=re.compile(
            r"(?<![\w/.,:-])(?P<a>\d{1,2})(?:(?P<sep>[./])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
            r"|-(?P<b2>\d{1,2})-(?P<y2>\d{4}|\d{2}))(?![\w/:-]|[.,]\d)"
        ),
        day_month=re.compile(rf"(?<![\w.,-]){day}(?:st|nd|rd|th|er|o)?\.?\s+(?:de\s+|of\s+)?{month}(?!\w){year}"),
        month_day=re.compile(rf"(?<![\w-]){month}\s+{day}(?:st|nd|rd|th)?(?![\w:.]\d){year}"),
        weekday=re.compile(rf"(?<![\w-])(?:{_alternation(list(weekdays))})\.?(?![\w-])"),
        relative=[(kind, _words(list(words))) for kind, words in data["relative"].items()],
        words={kind: _words(list(data[kind])) for kind in ("delivery", "eta", "not_eta")},
        negation=_words(list(data["negations"])),
        open_question=_words(list(data["open_question"])),
        open_question_ends=_words([";", *data["open_question_ends"]]),
        done=_words(list(data["done"])),
        future=_words(list(data["future"])),
    )


def _year_for(month: int, day: int, received: date | None) -> date | None:
    if received is None:
        return None
    try:
        candidate = date(received.year, month, day)
        if candidate < received:
            following = date(received.year + 1, month, day)
            if following - received <= timedelta(days=_NEXT_YEAR_DAYS):
                candidate = following
    except ValueError:
        return None
    return candidate


def _make(year: str | None, month: int, day: int, received: date | None) -> date | None:
    if year is None:
        return _year_for(month, day, received)
    y = int(year)
    y = 2000 + y if y < 100 else y
    try:
        return date(y, month, day)
    except ValueError:
        return None


def _next_working_day(after: date) -> date:
    d = after + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def find_dates(text: str, received: date | None, *, day_first: bool = True) -> list[DateMention]:
    """Every date in `text`, in order: explicit ones first claim their span, then weekdays and relative
    days that are not part of one. `day_first=False` reads an ambiguous 03/04 as March 4 (US English)."""
    t = _table()
    low = fold(text)
    found: list[DateMention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= m.start or start >= m.end for m in found)

    for m in re.finditer(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])", low):
        found.append(DateMention(m.start(), m.end(), text[m.start() : m.end()], _iso(m)))
    for rx in (t.day_month, t.month_day):
        for m in rx.finditer(low):
            if free(m.start(), m.end()):
                value = _make(m["year"], t.months[m["month"]], int(m["day"]), received)
                found.append(DateMention(m.start(), m.end(), text[m.start() : m.end()], value))
    for m in t.numeric.finditer(low):
        if not free(m.start(), m.end()):
            continue
        a, b = int(m["a"]), int(m["b"] or m["b2"] or 0)
        if not b:
            continue
        year = m["y"] or m["y2"]
        if m["sep"] == "." and year is None and text[m.end() : m.end() + 1] != ".":
            continue  # "3.5" is a number; a year-less dotted date ends in a dot ("11.07.")
        if year is None and len(m["a"]) + len(m["b"] or "") < 3:
            continue  # "colli 2/3" is a count; a year-less date has a two-digit part ("15/06", "3/10")
        day, month = (a, b) if day_first or a > 12 else (b, a)
        if month > 12 and day <= 12:
            day, month = month, day
        if month > 12:
            continue
        found.append(DateMention(m.start(), m.end(), text[m.start() : m.end()], _make(year, month, day, received)))
    found.sort(key=lambda d: d.start)
    for m in t.weekday.finditer(low):
        if free(m.start(), m.end()) and not _next_to_date(low, m.start(), m.end(), found):
            value = None
            if received is not None:
                ahead = (t.weekdays[m.group(0).rstrip(".")] - received.weekday()) % 7 or 7
                value = received + timedelta(days=ahead)
            found.append(DateMention(m.start(), m.end(), text[m.start() : m.end()], value))
    for kind, rx in t.relative:
        for m in rx.finditer(low):
            # "tomorrow 2026-11-20", "morgen, 17.04.2026": the explicit date says which day
            if free(m.start(), m.end()) and not _explicit_after(low, m.end(), found):
                found.append(
                    DateMention(
                        m.start(), m.end(), text[m.start() : m.end()], _relative(kind, m.start(), found, received)
                    )
                )
    return sorted(found, key=lambda d: d.start)


def _explicit_after(low: str, end: int, found: list[DateMention]) -> bool:
    return any(d.start >= end and re.fullmatch(r"[\s,(]*", low[end : d.start]) for d in found)


def _iso(m: re.Match[str]) -> date | None:
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _next_to_date(low: str, start: int, end: int, found: list[DateMention]) -> bool:
    """A weekday that names the day of an explicit date next to it ("mardi 12/05", "15/06 (Monday)")."""
    for d in found:
        gap = low[end : d.start] if d.start >= end else low[d.end : start]
        if len(gap) <= 12 and re.fullmatch(
            r"[\s,(]*(?:(?:le|el|den|de|il|o|op|am|the|dia|den)\s+)?[\s(]*|[\s,(]*", gap
        ):
            return True
    return False


def _relative(kind: str, at: int, found: list[DateMention], received: date | None) -> date | None:
    if received is None:
        return None
    if kind == "today":
        return received
    if kind == "tomorrow":
        return received + timedelta(days=1)
    if kind == "day_after_tomorrow":
        return received + timedelta(days=2)
    # next working day: after the last date named before it when that one is still ahead
    before = [d.value for d in found if d.end <= at and d.value is not None and d.value >= received]
    return _next_working_day(before[-1] if before else received)


def _sentence_start(text: str, at: int) -> int:
    starts = [m.end() for m in _SENTENCE_END.finditer(text[:at])]
    return starts[-1] if starts else 0


def _clause_end(text: str, at: int) -> int:
    m = _CLAUSE_END.search(text, at)
    return min(_sentence_end(text, at), m.start() if m else len(text))


def _words_before(low: str, start: int) -> list[str]:
    before = re.split(r"[.!?;:]\s", low[max(0, start - 40) : start])[-1].split()[-_NEGATION_TOKENS:]
    return [w.strip(",;:()") for w in before]


def _negated(low: str, start: int) -> bool:
    return any(_table().negation.fullmatch(w) for w in _words_before(low, start))


def _done(low: str, start: int) -> bool:
    """A delivery reported as done: a participle with no future auxiliary before it."""
    t = _table()
    return bool(t.done.match(low, start)) and not any(t.future.fullmatch(w) for w in _words_before(low, start))


def _hits(low: str) -> list[tuple[int, str]]:
    """Every announcing word of the text, by position (found on the whole text: a German "stellen"
    needs its "zu" further on)."""
    return sorted((m.start(), kind) for kind, rx in _table().words.items() for m in rx.finditer(low))


def _rank(low: str, all_hits: list[tuple[int, str]], window: tuple[int, int], after: bool) -> int | None:
    """2: a delivery word announces the date; 1: an ETA word; 0: none; None: the date is no new ETA
    (an old date, a departure, a deadline, or a delivery that does not happen). After a date only a
    delivery verb counts, the nearest one ("worden op dinsdag bezorgd"): an ETA word there belongs
    to the next date ("of tomorrow, arriving on the 7th")."""
    hits = [(s, k) for s, k in all_hits if window[0] <= s < window[1] and (k == "delivery" or not after)]
    if not hits:
        return 0
    start, kind = hits[0] if after else hits[-1]
    if kind == "not_eta" or _negated(low, start) or (not after and _done(low, start)):
        return None
    live = {k for s, k in hits if k != "not_eta" and not _negated(low, s)}
    return 2 if "delivery" in live else 1


_TIME = re.compile(r"\s*(?:at\s+|um\s+|a\s+las\s+|alle\s+|om\s+|as\s+)?\d{1,2}[:h.]\d{2}")


def _arrives_that_day(text: str, low: str, hits: list[tuple[int, str]], end: int, next_start: int) -> bool:
    """A departure date followed by an arrival with only a time ("departing 2026-05-26 08:10,
    arriving 10:45"): the arrival is that day."""
    stop = min(next_start, _sentence_end(text, end), end + _AFTER)
    for start, kind in hits:
        if end <= start < stop and kind == "eta":
            word = re.match(r"[\w-]+", low[start:])
            if word and _TIME.match(low, start + len(word.group(0))):
                return True
    return False


def _asked(text: str, low: str, d: DateMention) -> bool:
    """The date's sentence is a question, or its clause is conditional before the date ("whether",
    "falls", "si"); a condition ends at "; otherwise" and its kin."""
    t = _table()
    start = _sentence_start(text, d.start)
    end = _sentence_end(text, d.end)
    start = max([start] + [m.end() for m in t.open_question_ends.finditer(low, start, d.start)])
    return text[end : end + 1] == "?" or bool(t.open_question.search(low, start, d.start))


def _sentence_end(text: str, at: int) -> int:
    m = _SENTENCE_END.search(text, at)
    return m.start() if m else len(text)


def pick_new_eta(
    text: str, received: date | None, *, day_first: bool = True, asked: bool = False
) -> DateMention | None:
    """The date that `text` announces as the new delivery: the one a delivery word, else an ETA word,
    stands before (or, with none before, just after); the first of those of the best rank. With
    `asked`, a date the sender asks for counts too: a customer's "can you deliver on the 19th?" is the
    date they request, not an announcement."""
    low = fold(text)
    hits = _hits(low)
    dates = find_dates(text, received, day_first=day_first)
    best: tuple[int, DateMention] | None = None
    for i, d in enumerate(dates):
        prev_end = dates[i - 1].end if i else 0
        start = max(prev_end, _sentence_start(text, d.start), d.start - _BEFORE)
        rank = _rank(low, hits, (start, d.start), after=False)
        next_start = dates[i + 1].start if i + 1 < len(dates) else len(low)
        if rank == 0:
            after = d.end + len(text[d.end :]) - len(text[d.end :].lstrip(",) "))  # "am 21.07., zuzustellen"
            end = min(next_start, _clause_end(text, after), d.end + _AFTER)
            rank = _rank(low, hits, (d.end, end), after=True)
        if rank is None and _arrives_that_day(text, low, hits, d.end, next_start):
            rank = 1
        if d.value is not None and received is not None and d.value < received:
            continue  # a date that has passed is what happened, not the new ETA
        if not asked and _asked(text, low, d):
            continue  # "please advise whether ... or redeliver tomorrow": an option, not an announced date
        if rank and (best is None or rank > best[0]):
            best = (rank, d)
    return best[1] if best else None
