"""Attachments: text from PDF/DOCX/plain, others listed with a note, and a bad attachment never fails its message."""

from __future__ import annotations

from tests.ingest.builders import as_bytes, docx_bytes, email, parse_ok, pdf, scanned_pdf, zip_bytes

SRC = "inbox/email/with-attachments.eml"


def test_attachments_are_extracted_or_listed() -> None:
    msg = email("POD and damage report attached.")
    msg.add_attachment(
        pdf("CMR / Proof of Delivery", "Consignment TW-26-03-0417"),
        maintype="application",
        subtype="pdf",
        filename="pod.pdf",
    )
    msg.add_attachment(
        docx_bytes(["Damage Report DR/2026/05/118"], table=[["Pallet", "7"], ["Damaged", "yes"]]),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="damage.docx",
    )
    msg.add_attachment(
        "Zählerstand: 4471".encode("latin-1"),
        maintype="text",
        subtype="plain",
        filename="note.txt",
        params={"charset": "iso-8859-1"},
    )
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\x00" * 400, maintype="image", subtype="png", filename="crane.png")
    msg.add_attachment(
        zip_bytes({"photos/1.jpg": b"\xff\xd8\xff" + b"0" * 50}),
        maintype="application",
        subtype="zip",
        filename="photos.zip",
    )
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == "POD and damage report attached."
    by_name = {a.filename: a for a in m.attachments}
    assert list(by_name) == ["pod.pdf", "damage.docx", "note.txt", "crane.png", "photos.zip"]
    assert by_name["pod.pdf"].text is not None and "Consignment TW-26-03-0417" in by_name["pod.pdf"].text
    assert by_name["damage.docx"].text == "Damage Report DR/2026/05/118\nPallet | 7\nDamaged | yes"
    assert by_name["note.txt"].text == "Zählerstand: 4471"
    assert by_name["crane.png"].text is None and by_name["crane.png"].size == 408
    assert by_name["crane.png"].note is not None and "image/png" in by_name["crane.png"].note
    assert by_name["photos.zip"].text is None and by_name["photos.zip"].note == "archive: listed, not opened"
    assert all(a.size > 0 for a in m.attachments)


def test_broken_attachments_get_a_note_and_the_message_is_fine() -> None:
    msg = email("See attachments.")
    msg.add_attachment(zip_bytes({"x.xml": b"<a/>"}), maintype="application", subtype="pdf", filename="invoice.pdf")
    msg.add_attachment(
        zip_bytes({"x.xml": b"<a/>"}), maintype="application", subtype="octet-stream", filename="report.docx"
    )
    msg.add_attachment(b"%PDF-1.4\n garbage without objects", maintype="application", subtype="pdf", filename="cut.pdf")
    msg.add_attachment(scanned_pdf(), maintype="application", subtype="pdf", filename="scan.pdf")
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == "See attachments."
    notes = {a.filename: a.note or "" for a in m.attachments}
    assert all(a.text is None for a in m.attachments)
    assert "not a PDF" in notes["invoice.pdf"] and "ZIP archive" in notes["invoice.pdf"]
    assert "not a Word document" in notes["report.docx"]
    assert notes["cut.pdf"]  # pypdf's complaint, whatever it is
    assert "scanned PDF without a text layer" in notes["scan.pdf"]
    by_name = {a.filename: a for a in m.attachments}
    assert by_name["report.docx"].content_type.endswith("wordprocessingml.document")  # octet-stream resolved by name


def test_message_with_only_a_readable_attachment_is_kept() -> None:
    msg = email(None, subject="POD")
    msg.make_mixed()
    msg.add_attachment(
        pdf("Proof of delivery for BOL 8812-3390"), maintype="application", subtype="pdf", filename="pod.pdf"
    )
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == ""
    assert m.attachments[0].text is not None and "8812-3390" in m.attachments[0].text


def test_attachment_file_names_are_decoded_and_never_paths() -> None:
    msg = email("x")
    msg.add_attachment(b"hello", maintype="text", subtype="plain", filename="../../etc/Lieferschein_ä.txt")
    m = parse_ok(SRC, as_bytes(msg))
    assert m.attachments[0].filename == "Lieferschein_ä.txt"
