"""`parse_input`: any raw input to one outcome per item; bad input becomes an error, never an exception."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from agents.state import Channel, InboundMessage
from tools.ingest import detect
from tools.ingest.documents import parse_document
from tools.ingest.email_parser import parse_email
from tools.ingest.errors import BINARY, EMPTY, TOO_LARGE, UNSUPPORTED_TYPE, IngestError, parser_crash
from tools.ingest.mbox import is_mbox, split_mbox
from tools.ingest.model import ParseOutcome, RawInput
from tools.ingest.portal import event_to_message, portal_items
from tools.ingest.text import scrub

log = logging.getLogger(__name__)

_SUPPORTED = ", ".join(sorted(detect.SUPPORTED_SUFFIXES))


def _failed(source: str, data: bytes, error: IngestError) -> ParseOutcome:
    detail = scrub(error.detail)
    if source not in detail:  # every detail names its input, whatever raised it
        detail = f"{source}: {detail}"
    if detail != error.detail:
        error = IngestError(error.code, detail)
    log.info("quarantine %s: %s", source, error.code)
    return ParseOutcome(source=source, data=data, message=None, error=error)


def _guarded(source: str, data: bytes, build: Callable[[], InboundMessage]) -> ParseOutcome:
    """Run one parser on one item; whatever goes wrong becomes that item's error."""
    try:
        message = build()
        dumped = message.model_dump()
        clean = scrub(dumped)
        if clean != dumped:
            message = InboundMessage.model_validate(clean)
        return ParseOutcome(source=source, data=data, message=message, error=None)
    except IngestError as err:
        return _failed(source, data, err)
    except Exception as exc:  # a parser bug on odd input: keep the bytes for replay, say what broke
        log.exception("parser failed on %s", source)
        return _failed(source, data, parser_crash(source, exc))


def _channel(raw: RawInput) -> Channel:
    if raw.channel_hint is not None:
        return raw.channel_hint
    suffix = detect.suffix_of(raw.source)
    if suffix:
        channel = detect.channel_for_suffix(suffix)
        if channel is None:
            what = detect.magic_kind(raw.data)
            raise IngestError(
                UNSUPPORTED_TYPE,
                f"{raw.source}: file type {suffix} is not supported"
                + (f" (it is {what})" if what else "")
                + f"; supported: {_SUPPORTED}",
            )
        return channel
    sniffed = detect.sniff_channel(raw.data)
    if sniffed is None:
        what = detect.magic_kind(raw.data)
        if what:
            detail = f"{raw.source} is {what}, which is not a supported input ({_SUPPORTED})"
            raise IngestError(UNSUPPORTED_TYPE, detail)
        raise IngestError(BINARY, f"{raw.source} is binary data, not text, e-mail, JSON, PDF or DOCX")
    return sniffed


def _email(raw: RawInput) -> list[ParseOutcome]:
    if detect.suffix_of(raw.source) == ".mbox" or is_mbox(raw.data):
        chunks = split_mbox(raw.data)
        if detect.suffix_of(raw.source) == ".mbox" or len(chunks) > 1:
            outcomes = []
            for n, chunk in enumerate(chunks):  # items are numbered from 0, as in data/labels/inbox.jsonl
                source = f"{raw.source}#{n}"
                if not chunk.strip():
                    empty = IngestError(EMPTY, f"{source}: message {n + 1} of the mbox is empty")
                    outcomes.append(_failed(source, chunk, empty))
                else:
                    outcomes.append(_guarded(source, chunk, partial(parse_email, chunk, source)))
            return outcomes
    return [_guarded(raw.source, raw.data, partial(parse_email, raw.data, raw.source))]


def _portal(raw: RawInput) -> list[ParseOutcome]:
    if detect.looks_binary(raw.data):  # one error for the file, not one per "line" of noise
        what = detect.magic_kind(raw.data) or "binary data"
        raise IngestError(BINARY, f"{raw.source} is {what}, not JSON text")
    items = list(portal_items(raw.data, raw.source))
    outcomes = []
    for item in items:
        source = raw.source if item.index is None else f"{raw.source}#{item.index}"
        if item.error is not None:
            outcomes.append(_failed(source, item.data, item.error))
        else:
            outcomes.append(_guarded(source, item.data, partial(event_to_message, item.value, source)))
    return outcomes


def parse_input(raw: RawInput, *, max_bytes: int) -> list[ParseOutcome]:
    """Parse one raw input into one outcome per item (an mbox message, a JSON Lines line ...).

    Never raises for bad input: each failure is an outcome whose error names the source. Empty and
    oversized inputs are refused before any parsing.
    """
    try:
        if not raw.data.strip():
            what = "is empty (0 bytes)" if not raw.data else f"holds only whitespace ({len(raw.data)} bytes)"
            raise IngestError(EMPTY, f"{raw.source} {what}")
        if len(raw.data) > max_bytes:
            raise IngestError(
                TOO_LARGE,
                f"{raw.source} is {len(raw.data):,} bytes, over the {max_bytes:,}-byte limit (TRIAGE_MAX_INPUT_BYTES); "
                "not parsed",
            )
        channel = _channel(raw)
        if channel == "email":
            return _email(raw)
        if channel == "portal":
            return _portal(raw)
        return [_guarded(raw.source, raw.data, partial(parse_document, raw.data, raw.source))]
    except IngestError as err:
        return [_failed(raw.source, raw.data, err)]
    except Exception as exc:  # a parser bug on odd input: keep the bytes for replay, say what broke
        log.exception("ingestion failed on %s", raw.source)
        return [_failed(raw.source, raw.data, parser_crash(raw.source, exc))]
