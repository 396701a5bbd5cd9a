"""Documents: PDF (pypdf), DOCX (python-docx), TXT (charset detection); and documents that cannot be read."""

from __future__ import annotations

from tests.ingest.builders import docx_bytes, parse_err, parse_ok, pdf, scanned_pdf, zip_bytes


def test_pdf_text() -> None:
    data = pdf(
        "Estes Express Lines", "Delivery Receipt - PRO 2109-447902 - REFUSED", "Consignee refused: wrong product."
    )
    m = parse_ok("docs/receipt.pdf", data)
    assert m.channel == "document"
    assert m.subject == "Estes Express Lines"
    assert "Delivery Receipt - PRO 2109-447902 - REFUSED" in m.body
    assert "Consignee refused: wrong product." in m.body
    assert m.body.startswith("Estes Express Lines")


def test_scanned_pdf_without_text_layer_is_no_text() -> None:
    code, detail = parse_err("docs/scan.pdf", scanned_pdf())
    assert code == "no_text"
    assert "scanned PDF without a text layer" in detail and "docs/scan.pdf" in detail


def test_damaged_and_fake_pdfs() -> None:
    code, detail = parse_err("docs/fake.pdf", zip_bytes({"a.txt": b"hello"}))
    assert code == "unreadable" and "ZIP archive" in detail
    good = pdf("Some text")
    code, detail = parse_err("docs/cut.pdf", good[:40])
    assert code in ("unreadable", "no_text")


def test_docx_paragraphs_and_table_in_order() -> None:
    data = docx_bytes(
        ["Pennine Haulage Ltd", "Vehicle Incident Report IR-26-0304"],
        table=[["Report no.", "IR-26-0304"], ["Driver", "Gary Whitlam"]],
        after=["Clutch actuator failure on the M62."],
    )
    m = parse_ok("docs/report.docx", data)
    assert m.subject == "Pennine Haulage Ltd"
    assert m.body.split("\n") == [
        "Pennine Haulage Ltd",
        "Vehicle Incident Report IR-26-0304",
        "Report no. | IR-26-0304",
        "Driver | Gary Whitlam",
        "Clutch actuator failure on the M62.",
    ]


def test_docx_that_is_not_a_word_document() -> None:
    code, detail = parse_err("docs/x.docx", zip_bytes({"data.csv": b"a,b"}))
    assert code == "unreadable" and "not a Word document" in detail
    code, detail = parse_err("docs/y.docx", b"plain text pretending")
    assert code == "unreadable" and "not a DOCX" in detail
    code, detail = parse_err("docs/empty.docx", docx_bytes(["", "  "]))
    assert code == "no_text"


def test_txt_in_utf8_and_cp1252() -> None:
    m = parse_ok("docs/card.txt", "\n\n  Royal Mail  \nSorry we missed you – item RT445120893GB\n".encode())
    assert m.subject == "Royal Mail"
    assert "RT445120893GB" in m.body
    m = parse_ok("docs/retour.txt", "PostNL RETOUR AFZENDER\nAdres onbekend – straße".encode("cp1252"))
    assert m.body == "PostNL RETOUR AFZENDER\nAdres onbekend – straße"


def test_subject_is_trimmed_to_120_chars() -> None:
    m = parse_ok("docs/long.txt", ("word " * 60).encode())
    assert m.subject is not None and len(m.subject) <= 120 and m.subject.startswith("word word")


def test_binary_txt_and_empty_documents() -> None:
    code, detail = parse_err("docs/x.txt", bytes(range(256)) * 4)
    assert code == "binary" and "not text" in detail
    code, _ = parse_err("docs/empty.txt", b"")
    assert code == "empty"


def test_document_named_txt_but_really_pdf_is_read_as_pdf() -> None:
    m = parse_ok("docs/misnamed.txt", pdf("GLS Germany", "Parcel 62418830610 is lost."))
    assert "Parcel 62418830610 is lost." in m.body
