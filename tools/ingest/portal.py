"""Portal events (channel `portal`): JSON and JSON Lines as specified in docs/PORTAL_SCHEMA.md."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from agents.state import InboundMessage
from tools.ingest import detect
from tools.ingest.charsets import decode_bytes
from tools.ingest.errors import EMPTY, NO_TEXT, NOT_JSON, SCHEMA, IngestError
from tools.ingest.text import clean_line, clean_text

# Known keys that become structured fields, in the schema's order.
STRUCTURED_KEYS = (
    "carrier",
    "tracking_number",
    "status_code",
    "status_description",
    "location",
    "event_time",
    "eta",
    "reference",
)
_NOT_STRUCTURED = frozenset({"text", "event_id", "portal", "context"})


class PortalEvent(BaseModel):
    """One portal event. Strict: a number where a string is specified is a schema error, not coerced."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    text: str
    event_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    status_code: str | None = None
    status_description: str | None = None
    location: str | None = None
    event_time: str | None = None
    eta: str | None = None
    reference: str | None = None
    portal: str | None = None
    context: dict[str, Any] | None = None

    @field_validator("event_time")
    @classmethod
    def _iso_datetime(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("must be an ISO 8601 date-time such as 2026-03-02T09:14:00Z") from None
        return value

    @field_validator("eta")
    @classmethod
    def _iso_date_or_datetime(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.fromisoformat(value.strip())
            except ValueError:
                try:
                    date.fromisoformat(value.strip())
                except ValueError:
                    raise ValueError("must be an ISO 8601 date or date-time such as 2026-03-05") from None
        return value

    @model_validator(mode="after")
    def _text_or_description(self) -> PortalEvent:
        if not self.text.strip() and not (self.status_description or "").strip():
            raise ValueError("'text' is empty and there is no 'status_description' to stand in for it")
        return self

    def event_datetime(self) -> datetime | None:
        if not self.event_time:
            return None
        when = datetime.fromisoformat(self.event_time.strip())
        if when.tzinfo is None:  # the schema does not promise a zone; UTC is the documented reading
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC)


_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _schema_detail(source: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "missing":
            problems.append(f"required key '{loc}' is missing")
        elif not loc:
            problems.append(str(err["msg"]).removeprefix("Value error, "))
        elif err["type"] == "value_error":
            problems.append(f"key '{loc}' {str(err['msg']).removeprefix('Value error, ')} (got {err['input']!r:.60})")
        else:
            problems.append(f"key '{loc}': {err['msg'].lower()}, got {_json_type(err['input'])} {err['input']!r:.60}")
    return f"{source} does not follow the portal schema: " + "; ".join(problems)


def _as_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def event_to_message(obj: Any, source: str) -> InboundMessage:
    """A decoded JSON value to an InboundMessage, or IngestError(schema) naming the key."""
    if not isinstance(obj, dict):
        got = _json_type(obj)
        raise IngestError(SCHEMA, f"{source} does not follow the portal schema: expected a JSON object, got {got}")
    try:
        event = PortalEvent.model_validate(obj)
    except ValidationError as exc:
        raise IngestError(SCHEMA, _schema_detail(source, exc)) from None
    structured: dict[str, str] = {}
    for key in STRUCTURED_KEYS:
        value = getattr(event, key)
        if value is not None and value.strip():
            structured[key] = clean_text(value)
    for key, value in (event.model_extra or {}).items():
        if key not in _NOT_STRUCTURED and value is not None:
            structured[clean_line(str(key), 200)] = clean_text(_as_string(value))
    body = clean_text(event.text) or clean_text(event.status_description or "")
    if not body.strip():
        raise IngestError(NO_TEXT, f"{source}: the event has no text")
    heading = " ".join(p.strip() for p in (event.status_code or "", event.status_description or "") if p.strip())
    return InboundMessage(
        channel="portal",
        source=source,
        message_id=clean_line(event.event_id, 998) if event.event_id and event.event_id.strip() else None,
        sender=clean_line(event.portal, 320) if event.portal and event.portal.strip() else None,
        subject=clean_line(heading, 998) or None,
        body=body,
        received_at=event.event_datetime(),
        structured=structured,
        context=dict(event.context or {}),
    )


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class PortalItem:
    """One event of a portal file: its own bytes and its decoded JSON (or why it is not JSON)."""

    index: int | None  # 0-based position among the file's events; None for a single JSON object
    data: bytes
    value: Any = None
    error: IngestError | None = None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # JSON must be UTF-8, but legacy portals export latin-1: read it anyway
        return decode_bytes(data)


def _loads(text: str, source: str, where: str = "") -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = f"line {exc.lineno}, column {exc.colno}" if not where else f"{where}, column {exc.colno}"
        hint = " (several JSON values: name the file .jsonl for JSON Lines)" if exc.msg == "Extra data" else ""
        raise IngestError(NOT_JSON, f"{source} is not valid JSON: {exc.msg} at {line}{hint}") from None
    except RecursionError:
        raise IngestError(NOT_JSON, f"{source} is not usable JSON: nested too deeply") from None


def _array_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the elements of a JSON array that is known to be valid."""
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    i = text.index("[") + 1
    while True:
        while text[i] in " \t\r\n,":
            i += 1
        if text[i] == "]":
            return spans
        _, end = decoder.raw_decode(text, i)
        spans.append((i, end))
        i = end


def split_json(data: bytes, source: str) -> Iterator[PortalItem]:
    """A .json file: one object, or a list whose every element is its own item."""
    text = _text(data)
    value = _loads(text, source)
    if not isinstance(value, list):
        yield PortalItem(None, data, value)
        return
    if not value:
        raise IngestError(EMPTY, f"{source} holds an empty JSON list: no events")
    for n, (start, end) in enumerate(_array_spans(text)):
        yield PortalItem(n, text[start:end].encode("utf-8"), value[n])


def split_jsonl(data: bytes, source: str) -> Iterator[PortalItem]:
    """A .jsonl file: one event per non-blank line; items are numbered from 0, errors name the file line."""
    text = _text(data)
    n = 0
    for line_no, raw_line in enumerate(text.split("\n"), 1):
        line = raw_line.strip("\r")
        if not line.strip():
            continue
        item_source = f"{source}#{n}"
        try:
            yield PortalItem(n, line.encode("utf-8"), _loads(line, item_source, f"line {line_no}"))
        except IngestError as err:
            yield PortalItem(n, line.encode("utf-8"), error=err)
        n += 1
    if n == 0:
        raise IngestError(EMPTY, f"{source} holds no JSON lines")


def portal_items(data: bytes, source: str) -> Iterator[PortalItem]:
    suffix = detect.suffix_of(source)
    if suffix == ".jsonl":
        yield from split_jsonl(data, source)
    elif suffix == ".json":
        yield from split_json(data, source)
    else:  # stdin or an API push: one JSON document if it is one, JSON Lines otherwise
        try:
            items = list(split_json(data, source))
        except IngestError as err:
            lines = [line for line in _text(data).split("\n") if line.strip()]
            if err.code != NOT_JSON or len(lines) < 2:
                raise
            items = list(split_jsonl(data, source))
        yield from items
