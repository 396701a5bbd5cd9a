"""read_inputs (files, folders, stdin) and the guarantees of parse_input for any input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.ingest.builders import as_bytes, docx_bytes, email, parse, parse_err, pdf
from tools.ingest import IngestError, ParseOutcome, RawInput, parse_input, read_inputs


def _tree(root: Path) -> None:
    (root / "email").mkdir(parents=True)
    (root / "portal" / "2026").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / ".git").mkdir()
    (root / "email" / "b.eml").write_bytes(as_bytes(email("Truck broke down.")))
    (root / "email" / "a.mbox").write_bytes(b"From x@y Tue Aug 11 12:35:00 2026\n" + as_bytes(email("in mbox")))
    (root / "portal" / "2026" / "feed.jsonl").write_text('{"text": "a"}\n{"text": "b"}\n')
    (root / "portal" / "one.json").write_text('{"text": "c"}')
    (root / "docs" / "r.pdf").write_bytes(pdf("PDF text"))
    (root / "docs" / "r.docx").write_bytes(docx_bytes(["DOCX text"]))
    (root / "docs" / "r.txt").write_text("TXT text")
    (root / "docs" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    (root / "docs" / "maildir-message").write_bytes(as_bytes(email("no extension")))
    (root / ".DS_Store").write_bytes(b"\x00\x00junk")
    (root / ".git" / "config").write_text("[core]")


def test_folder_is_read_recursively_sorted_with_channels(tmp_path: Path) -> None:
    _tree(tmp_path)
    raws = list(read_inputs(tmp_path))
    rel = [(Path(r.source).relative_to(tmp_path).as_posix(), r.channel_hint) for r in raws]
    assert rel == [
        ("docs/maildir-message", "email"),
        ("docs/photo.png", None),
        ("docs/r.docx", "document"),
        ("docs/r.pdf", "document"),
        ("docs/r.txt", "document"),
        ("email/a.mbox", "email"),
        ("email/b.eml", "email"),
        ("portal/2026/feed.jsonl", "portal"),
        ("portal/one.json", "portal"),
    ]
    outcomes = [o for raw in raws for o in parse_input(raw, max_bytes=1_000_000)]
    errors = [(Path(o.source).name, o.error.code) for o in outcomes if o.error]
    assert errors == [("photo.png", "unsupported_type")]
    bodies = {Path(o.source).name: o.message.body for o in outcomes if o.message}
    assert bodies == {
        "maildir-message": "no extension",
        "r.docx": "DOCX text",
        "r.pdf": "PDF text",
        "r.txt": "TXT text",
        "a.mbox#0": "in mbox",
        "b.eml": "Truck broke down.",
        "feed.jsonl#0": "a",
        "feed.jsonl#1": "b",
        "one.json": "c",
    }


def test_single_file_and_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hello")
    assert [(r.source, r.data, r.channel_hint) for r in read_inputs(path)] == [(str(path), b"hello", "document")]
    with pytest.raises(FileNotFoundError):
        list(read_inputs(tmp_path / "nope"))


@pytest.mark.parametrize(
    ("data", "channel", "check"),
    [
        (b"From: ops@carrier.example\nSubject: Delay\n\nTruck late.", "email", "Truck late."),
        (b"From ops@x Tue Aug 11 12:35:00 2026\nFrom: ops@x\nSubject: s\n\nmbox on stdin", "email", "mbox on stdin"),
        (b'  {"text": "portal on stdin"}', "portal", "portal on stdin"),
        (b'{"text": "one"}\n{"text": "two"}\n', "portal", "one"),
        (pdf("pdf on stdin"), "document", "pdf on stdin"),
        (docx_bytes(["docx on stdin"]), "document", "docx on stdin"),
        ("Plain text note: Straße gesperrt".encode("cp1252"), "document", "Plain text note: Straße gesperrt"),
        (b"[URGENT] truck 4471 broke down", "document", "[URGENT] truck 4471 broke down"),
    ],
)
def test_stdin_is_sniffed(data: bytes, channel: str, check: str) -> None:
    [raw] = list(read_inputs(None, stdin=io.BytesIO(data)))
    assert raw.source == "stdin" and raw.channel_hint == channel
    outcomes = parse_input(raw, max_bytes=1_000_000)
    assert outcomes[0].message is not None and outcomes[0].message.body == check
    assert [r.source for r in read_inputs(Path("-"), stdin=io.BytesIO(data))] == ["stdin"]


def test_stdin_binary_and_archives_are_quarantined() -> None:
    [raw] = list(read_inputs(None, stdin=io.BytesIO(bytes(range(256)) * 8)))
    assert raw.channel_hint is None
    [outcome] = parse_input(raw, max_bytes=1_000_000)
    assert outcome.error is not None and outcome.error.code == "binary" and "stdin" in outcome.error.detail
    code, detail = parse_err("stdin", b"PK\x03\x04" + b"\x00" * 100)
    assert code == "unsupported_type" and "ZIP archive" in detail


def test_unsupported_type_names_the_extension() -> None:
    code, detail = parse_err("inbox/scan.tiff", b"II*\x00" + b"\x00" * 100)
    assert code == "unsupported_type" and ".tiff" in detail and "TIFF image" in detail
    code, detail = parse_err("inbox/msg.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert code == "unsupported_type" and "Outlook .msg" in detail


def test_too_large_is_refused_before_parsing() -> None:
    code, detail = parse_err("inbox/big.eml", b"\x00garbage" * 200, max_bytes=1000)
    assert code == "too_large"  # not "binary": the size check comes first
    assert "1,600 bytes" in detail and "1,000-byte limit" in detail


def test_empty_and_whitespace_inputs() -> None:
    for source, data in [("a.eml", b""), ("b.json", b" \n\t "), ("c.pdf", b""), ("stdin", b"\n")]:
        code, detail = parse_err(source, data)
        assert code == "empty" and source in detail


def test_outcome_has_exactly_one_of_message_and_error() -> None:
    with pytest.raises(ValueError):
        ParseOutcome(source="x", data=b"", message=None, error=None)
    err = IngestError("empty", "x is empty")
    assert (err.code, err.detail, str(err)) == ("empty", "x is empty", "empty: x is empty")


def test_reprocess_style_replay_with_channel_from_file_type() -> None:
    # The ingest service replays a quarantined item with its base source and channel_hint=None.
    outcomes = parse("inbox/feed.jsonl", b'{"text": "a"}\n{"text": 5}\n')
    fixed = b'{"text": "five"}'
    [replayed] = parse_input(RawInput(source="inbox/feed.jsonl", data=fixed, channel_hint=None), max_bytes=1000)
    assert outcomes[1].error is not None and replayed.message is not None and replayed.message.body == "five"


# --------------------------------------------------------------------------- the sample inbox

DATA = Path(__file__).resolve().parents[2] / "data"
INBOX = DATA / "inbox"
LABELS = DATA / "labels" / "inbox.jsonl"  # "file" is relative to data/inbox; "#N" is the 0-based item
BAD_SAMPLES = {"truncated.eml": "bad_mime", "broken.json": "not_json", "empty.txt": "empty"}


@pytest.mark.skipif(not INBOX.is_dir(), reason="no sample inbox in this checkout")
def test_every_sample_inbox_file_parses_except_the_deliberately_bad_ones() -> None:
    outcomes = [o for raw in read_inputs(INBOX) for o in parse_input(raw, max_bytes=10 * 1024 * 1024)]
    assert len(outcomes) > 10
    for outcome in outcomes:
        name = Path(outcome.source.split("#")[0]).name
        if name in BAD_SAMPLES:
            assert outcome.error is not None and outcome.error.code == BAD_SAMPLES[name], outcome
        else:
            assert outcome.error is None, outcome.error
    assert {Path(o.source).name for o in outcomes if o.error} == set(BAD_SAMPLES)


@pytest.mark.skipif(not LABELS.is_file() or not INBOX.is_dir(), reason="no labelled sample inbox in this checkout")
def test_sample_inbox_matches_its_labels() -> None:
    labels = {row["file"]: row for row in map(json.loads, LABELS.read_text().splitlines())}
    parsed = {}
    for raw in read_inputs(INBOX):
        for o in parse_input(raw, max_bytes=10 * 1024 * 1024):
            if o.message is not None:
                parsed[Path(o.source).relative_to(INBOX).as_posix()] = o.message
    assert set(labels) <= set(parsed)
    for name, label in labels.items():
        m = parsed[name]
        assert m.channel == label["channel"], name
        assert m.sender == label["sender"], name
        if m.channel == "email":
            assert m.subject == label["subject"], name
            assert m.received_at is not None
            assert m.received_at.strftime("%Y-%m-%dT%H:%M:%SZ") == label["received_at"], name
        text = "\n".join(
            [
                m.subject or "",
                m.body,
                *m.thread,
                m.signature or "",
                *m.structured.values(),
                *(a.text or "" for a in m.attachments),
            ]
        )
        for ref in label["expected"].get("must_keep", []):
            assert ref in text, (name, ref)
