"""mbox files: one outcome per message, each with its own bytes, bad ones quarantined alone."""

from __future__ import annotations

from tests.ingest.builders import as_bytes, email, parse, parse_ok


def _mbox(*messages: bytes) -> bytes:
    parts = []
    for n, msg in enumerate(messages):
        body = msg.replace(b"\r\n", b"\n")
        body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n"))
        parts.append(b"From sender%d@example Tue Aug 11 12:35:00 2026\n" % n + body.rstrip(b"\n") + b"\n\n")
    return b"".join(parts)


def test_mbox_messages_become_items() -> None:
    first = as_bytes(email("Consignee premises locked, AWB 50412297786.", subject="Undelivered", msgid="<m1@x>"))
    second = as_bytes(email("Vase kaputt.\nFrom the look of the box it was dropped.", subject="Paket", msgid="<m2@x>"))
    third = b"From: broken@example\nSubject: cut off\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\n\nhalf a mess"
    outcomes = parse("inbox/archive.mbox", _mbox(first, second, third))
    assert [o.source for o in outcomes] == ["inbox/archive.mbox#0", "inbox/archive.mbox#1", "inbox/archive.mbox#2"]
    assert outcomes[0].message is not None and outcomes[0].message.message_id == "<m1@x>"
    assert outcomes[0].message.source == "inbox/archive.mbox#0"
    assert outcomes[1].message is not None
    assert outcomes[1].message.body == "Vase kaputt.\nFrom the look of the box it was dropped."  # ">From" unquoted
    assert outcomes[2].error is not None and outcomes[2].error.code == "bad_mime"
    assert "inbox/archive.mbox#2" in outcomes[2].error.detail
    # An item's bytes are that message alone, and parse alone to the same message.
    assert b"Vase kaputt" not in outcomes[0].data and b"AWB 50412297786" in outcomes[0].data
    again = parse_ok("inbox/archive.mbox", outcomes[1].data)
    assert again.body == outcomes[1].message.body and again.message_id == "<m2@x>"


def test_eml_that_is_really_an_mbox_is_split() -> None:
    one = as_bytes(email("one", msgid="<1@x>"))
    two = as_bytes(email("two", msgid="<2@x>"))
    outcomes = parse("inbox/export.eml", _mbox(one, two))
    assert [o.message.body if o.message else None for o in outcomes] == ["one", "two"]


def test_single_eml_starting_with_from_line_is_one_message() -> None:
    m = parse_ok("inbox/one.eml", _mbox(as_bytes(email("only one", msgid="<1@x>"))))
    assert m.body == "only one" and m.source == "inbox/one.eml"


def test_empty_mbox() -> None:
    outcomes = parse("inbox/empty.mbox", b"\n\n")
    assert len(outcomes) == 1 and outcomes[0].error is not None and outcomes[0].error.code == "empty"
