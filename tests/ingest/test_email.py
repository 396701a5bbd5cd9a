"""E-mail parsing: MIME structure, encodings, charsets, threads, signatures, forwards, headers."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from email.message import EmailMessage

from tests.ingest.builders import BASE_HEADERS, as_bytes, email, parse_err, parse_ok, raw_email, text_email

SRC = "inbox/email/a.eml"


# --------------------------------------------------------------------------- headers


def test_plain_message_headers_and_body() -> None:
    m = parse_ok(SRC, as_bytes(email()))
    assert m.channel == "email"
    assert m.source == SRC
    assert m.sender == "ops@carrier.example"
    assert m.subject == "Breakdown - BOL 8812-3390"
    assert m.message_id == "<a1@carrier.example>"
    assert m.body == "Truck 4471 broke down near Kalamazoo. BOL 8812-3390 will be one day late."
    assert m.thread == [] and m.signature is None and m.attachments == []


def test_date_becomes_aware_utc() -> None:
    m = parse_ok(SRC, as_bytes(email(date="Mon, 02 Mar 2026 10:14:00 +0100")))
    assert m.received_at == datetime(2026, 3, 2, 9, 14, tzinfo=UTC)
    assert m.received_at.utcoffset() is not None
    naive = parse_ok(SRC, text_email(b"hello").replace(b"+0000", b"-0000"))
    assert naive.received_at == datetime(2026, 3, 2, 9, 14, tzinfo=UTC)


def test_missing_date_falls_back_to_received_header_and_bad_date_is_none() -> None:
    headers = {k: v for k, v in BASE_HEADERS.items() if k != "Date"}
    headers = {"Received": "from mx.example by mx2.example; Tue, 3 Mar 2026 08:00:00 +0200", **headers}
    m = parse_ok(SRC, raw_email({**headers, "Content-Type": "text/plain"}, b"Delay on BOL 1"))
    assert m.received_at == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    bad = parse_ok(SRC, raw_email({**BASE_HEADERS, "Date": "next tuesday-ish"}, b"Delay on BOL 1"))
    assert bad.received_at is None


def test_rfc2047_subjects_are_decoded() -> None:
    cases = {
        "=?utf-8?q?Versp=C3=A4tung_Sendung_8820-44717?=": "Verspätung Sendung 8820-44717",
        "=?iso-8859-1?q?Stra=DFe_gesperrt?= - BOL 12": "Straße gesperrt - BOL 12",
        "=?utf-8?b?6YWN6YCB44GM6YGF44KM44Gm44GE44G+44GZ?=": "配送が遅れています",
        "Re: =?windows-1252?q?=93Urgent=94?= delay": "Re: “Urgent” delay",
    }
    for raw, expected in cases.items():
        m = parse_ok(SRC, raw_email({**BASE_HEADERS, "Subject": raw}, b"see subject"))
        assert m.subject == expected


def test_from_without_address_keeps_its_text() -> None:
    m = parse_ok(SRC, raw_email({**BASE_HEADERS, "From": "Carrier Portal"}, b"Delay"))
    assert m.sender == "Carrier Portal"


def test_huge_header_line_is_capped_and_fast() -> None:
    subject = "=?utf-8?q?Versp=C3=A4tung?= " * 70_000  # ~1.9 MB of encoded words in one header
    data = raw_email({**BASE_HEADERS, "Subject": subject, "X-Junk": "x" * 1_000_000}, b"Truck broke down.")
    start = time.monotonic()
    m = parse_ok(SRC, data)
    assert time.monotonic() - start < 5
    assert m.subject is not None and m.subject.startswith(
        "VerspätungVerspätung"
    )  # RFC 2047: space between words is dropped
    assert len(m.subject) <= 998
    assert m.body == "Truck broke down."


# --------------------------------------------------------------------------- MIME and transfer encodings


def test_multipart_alternative_prefers_plain_text() -> None:
    msg = email("Plain: container MSCU1234567 held.", html="<p>HTML: container <b>MSCU1234567</b> held.</p>")
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == "Plain: container MSCU1234567 held."


def test_empty_plain_alternative_falls_back_to_html() -> None:
    msg = email(" ", html="<p>Only the HTML says: pallet 7 crushed.</p>")
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == "Only the HTML says: pallet 7 crushed."


def test_quoted_printable_body() -> None:
    body = "Die Sendung 8820-44717 wurde an der Rampe verweigert. " * 3 + "Grüße aus Ulm"
    raw = as_bytes(email(body, cte="quoted-printable"))
    assert b"=C3=BC" in raw and b"=\r\n" in raw  # really QP, with soft line breaks
    m = parse_ok(SRC, raw)
    assert m.body == body.strip()


def test_base64_body() -> None:
    body = "Container TGHU9876542 released by CBP on 26 May. Pick-up möglich ab 14:00."
    raw = as_bytes(email(body, cte="base64"))
    assert base64.b64encode(body.encode()[:30])[:20] in raw.replace(b"\r\n", b"")
    assert parse_ok(SRC, raw).body == body


def test_html_only_body_becomes_readable_text() -> None:
    html = (
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>"
        "<p>Dear customer,</p><p>Your parcel could not be delivered.<br>Reason: address incomplete</p>"
        "<table><tr><td>Tracking Number:</td><td>1Z6X4471A203800129</td></tr>"
        "<tr><td>Reference</td><td>S01022</td></tr></table></body></html>"
    )
    m = parse_ok(SRC, as_bytes(email(None, html=html)))
    assert "alert" not in m.body and "color" not in m.body
    lines = m.body.split("\n")
    assert "Dear customer," in lines
    assert "Your parcel could not be delivered." in lines
    assert "Reason: address incomplete" in lines
    assert "Tracking Number: 1Z6X4471A203800129" in lines
    assert "Reference | S01022" in lines


def test_nested_multipart_with_attachment_and_alternative() -> None:
    msg = email("Outer plain text, BOL 66120-4471.", html="<p>Outer html</p>")
    msg.add_attachment(b"inline note: pallets 3 and 4", maintype="text", subtype="plain", filename="note.txt")
    m = parse_ok(SRC, as_bytes(msg))
    assert m.body == "Outer plain text, BOL 66120-4471."
    assert [(a.filename, a.text) for a in m.attachments] == [("note.txt", "inline note: pallets 3 and 4")]


# --------------------------------------------------------------------------- charsets


def test_latin1_body() -> None:
    text = "Die Lieferung für Straße 12 ist verzögert. Grüße"
    m = parse_ok(SRC, text_email(text.encode("latin-1"), "text/plain; charset=iso-8859-1"))
    assert m.body == text


def test_windows_1252_body_including_smart_quotes_and_euro() -> None:
    text = "Kroll’s Market refused – “duplicate order”, storage €45/day."
    m = parse_ok(SRC, text_email(text.encode("cp1252"), "text/plain; charset=windows-1252"))
    assert m.body == text
    # Mailers that declare ISO-8859-1 but send cp1252 (WHATWG treats the label as windows-1252).
    m = parse_ok(SRC, text_email(text.encode("cp1252"), "text/plain; charset=iso-8859-1"))
    assert m.body == text


def test_declared_utf8_but_bytes_are_windows_1252() -> None:
    text = "Envío retenido en aduana, señor. Año fiscal: 2026. Straße gesperrt."
    m = parse_ok(SRC, text_email(text.encode("cp1252"), "text/plain; charset=utf-8"))
    assert m.body == text


def test_utf8_with_a_few_invalid_bytes_stays_utf8() -> None:
    # One flipped byte must not turn every "á" into "Ã¡": the greeting and the name keep reading as text.
    text = "Olá Renata,\n\no camião avariou perto de Évora. Cumprimentos, João Simões"
    data = text.encode("utf-8")
    broken = data[:20] + b"\xff\xfe" + data[20:]
    for declared in ("text/plain; charset=utf-8", "text/plain"):
        body = parse_ok(SRC, text_email(broken, declared)).body
        assert body.startswith("Olá Renata,") and body.endswith("Cumprimentos, João Simões"), body
        assert "\xff" in body  # the stray bytes are kept (as cp1252/latin-1), not dropped


def test_declared_latin1_but_bytes_are_utf8() -> None:
    text = "Zollrückfrage: Sendung in Hamburg gestoppt – Rechnung fehlt."
    m = parse_ok(SRC, text_email(text.encode("utf-8"), "text/plain; charset=iso-8859-1"))
    assert m.body == text


def test_missing_and_unknown_charsets() -> None:
    text = "Dostawa opóźniona – kierowca chory. Привет"
    m = parse_ok(SRC, text_email(text.encode("utf-8"), "text/plain"))
    assert m.body == text
    m = parse_ok(SRC, text_email("Retard de livraison à Lyon".encode("cp1252"), "text/plain; charset=x-nonsense"))
    assert m.body == "Retard de livraison à Lyon"


def test_cyrillic_without_charset_is_detected() -> None:
    text = "Груз задержан на таможне в Москве, нужны документы на контейнер MSCU1234567."
    m = parse_ok(SRC, text_email(text.encode("cp1251"), "text/plain"))
    assert m.body == text


def test_8bit_subject_without_encoding() -> None:
    data = raw_email({**BASE_HEADERS, "Subject": "x"}, b"body").replace(b"Subject: x", "Subject: Verspätung".encode())
    assert parse_ok(SRC, data).subject == "Verspätung"


# --------------------------------------------------------------------------- threads and signatures


def test_gmail_reply_thread() -> None:
    body = (
        "New ETA is Thursday 10:00, driver confirmed.\n\n"
        "On Mon, 2 Mar 2026 at 09:14, Ana Ruiz <ana@shipper.example>\nwrote:\n"
        "> Where is WH/OUT/01187?\n"
        "> On Sun, 1 Mar 2026, Dispatcher <d@carrier.example> wrote:\n"
        ">> Truck left Poznan.\n"
    )
    m = parse_ok(SRC, as_bytes(email(body)))
    assert m.body == "New ETA is Thursday 10:00, driver confirmed."
    assert len(m.thread) == 2
    assert m.thread[0].startswith("On Mon, 2 Mar 2026 at 09:14, Ana Ruiz")
    assert "Where is WH/OUT/01187?" in m.thread[0] and "Truck left" not in m.thread[0]
    assert m.thread[1].endswith("Truck left Poznan.")


def test_outlook_original_message_reply() -> None:
    body = (
        "Please deliver to our central warehouse instead.\n\n"
        "-----Original Message-----\n"
        "From: Sofie de Vries <sofie@shipper.example>\n"
        "Sent: Monday, August 17, 2026 4:48 PM\n"
        "To: Rafael Souza <r.souza@casabela.example>\n"
        "Subject: Delivery confirmation WH/OUT/02877\n\n"
        "Your order S01610 is planned for Thursday.\n"
    )
    m = parse_ok(SRC, as_bytes(email(body, subject="RE: Delivery confirmation WH/OUT/02877")))
    assert m.body == "Please deliver to our central warehouse instead."
    assert m.thread == [
        "-----Original Message-----\nFrom: Sofie de Vries <sofie@shipper.example>\nSent: Monday, August 17, 2026 "
        "4:48 PM\nTo: Rafael Souza <r.souza@casabela.example>\nSubject: Delivery confirmation WH/OUT/02877\n\n"
        "Your order S01610 is planned for Thursday."
    ]


def test_german_header_block_without_separator_line() -> None:
    body = (
        "Die Rampe wurde verweigert, bitte neuen Termin.\n\n"
        "Von: Sofie de Vries <sofie@shipper.example>\n"
        "Gesendet: Montag, 9. November 2026 16:02\n"
        "An: Thomas Brenner <t.brenner@schenker.example>\n"
        "Betreff: Zustellung Sendung 8820-44717\n\n"
        "Bitte um Zustellung am Dienstag.\n"
    )
    m = parse_ok(SRC, as_bytes(email(body, subject="AW: Zustellung Sendung 8820-44717")))
    assert m.body == "Die Rampe wurde verweigert, bitte neuen Termin."
    assert len(m.thread) == 1 and m.thread[0].startswith("Von: Sofie de Vries")
    assert m.thread[0].endswith("Bitte um Zustellung am Dienstag.")


def test_notice_with_from_and_date_lines_is_not_a_thread() -> None:
    body = "Vessel update.\nFrom: Rotterdam\nDate: 2 March 2026\nETA Hamburg: 5 March\nCargo rolled to next sailing."
    m = parse_ok(SRC, as_bytes(email(body)))
    assert m.body == body and m.thread == []


def test_quoted_blocks_go_to_thread() -> None:
    body = "> Can you deliver Friday?\nYes, Friday 08:00 works.\n> And the pallets?\nAll 9 pallets on one truck."
    m = parse_ok(SRC, as_bytes(email(body)))
    assert m.body == "Yes, Friday 08:00 works.\nAll 9 pallets on one truck."
    assert m.thread == ["Can you deliver Friday?", "And the pallets?"]


def test_signature_delimiter_is_cut_and_kept() -> None:
    body = "Freight held at DEN until roads reopen.\n\n-- \nKyle Brandt\nCustomer Operations\nDirect: (303) 555-0148\n"
    m = parse_ok(SRC, as_bytes(email(body)))
    assert m.body == "Freight held at DEN until roads reopen."
    assert m.signature == "Kyle Brandt\nCustomer Operations\nDirect: (303) 555-0148"
    assert "555-0148" not in m.body


def test_sign_off_blocks_in_several_languages() -> None:
    cases = [
        ("Best regards,\nFemke Jansen\nMaersk B.V. | +31 10 555 7731", "Vessel delayed by engine failure."),
        ("Kind regards\nJan", "Container held."),
        ("Mit freundlichen Grüßen\nKatrin Vogel\nZollagentur Hansa", "Bitte Rechnung senden."),
        ("Saludos,\nJavier Morales\nTransitarios Levante", "Fallo del equipo frigorífico."),
    ]
    for signature, text in cases:
        m = parse_ok(SRC, as_bytes(email(f"{text}\n\n{signature}\n")))
        assert m.body == text
        assert m.signature == signature


def test_sign_off_words_inside_content_stay_in_body() -> None:
    body = "Best route is via Hamburg now.\nRegards the delay: two days.\nWe will update you tomorrow."
    m = parse_ok(SRC, as_bytes(email(body)))
    assert m.body == body and m.signature is None


def test_forward_with_empty_note_uses_forwarded_message_as_body() -> None:
    body = (
        "FYI, see below\n\n"
        "---------- Forwarded message ---------\n"
        "From: DPD <noreply@dpd.example>\n"
        "Date: Mon, 5 Oct 2026 at 14:37\n"
        "Subject: We missed you - parcel 15501234567890\n"
        "To: <oliver@shipper.example>\n\n"
        "Our driver tried to deliver your parcel 15501234567890 but nobody was available.\n\n"
        "Kind regards\nDPD Local\n"
    )
    m = parse_ok(SRC, as_bytes(email(body, subject="Fwd: We missed you - parcel 15501234567890")))
    assert m.body == "Our driver tried to deliver your parcel 15501234567890 but nobody was available."
    assert m.structured["forward_note"] == "FYI, see below"
    assert m.structured["forwarded_from"] == "DPD <noreply@dpd.example>"
    assert m.structured["forwarded_subject"] == "We missed you - parcel 15501234567890"
    assert m.signature == "Kind regards\nDPD Local"
    assert m.thread == []


def test_forward_with_a_real_note_keeps_note_as_body_and_forward_in_thread() -> None:
    body = (
        "Daniel, this hits our two boxes due in Antwerp on 14 April, +12 days.\n\n"
        "Begin forwarded message:\n\n"
        "From: MSC <cs@msc.example>\nSubject: Suez transits suspended\nDate: 30 March 2026\n\n"
        "BKG 177MSC4471093 - MSCU1234566 rerouted via the Cape.\n"
    )
    m = parse_ok(SRC, as_bytes(email(body, subject="Fwd: Suez transits suspended")))
    assert m.body == "Daniel, this hits our two boxes due in Antwerp on 14 April, +12 days."
    assert len(m.thread) == 1
    assert m.thread[0].startswith("Begin forwarded message:\nFrom: MSC <cs@msc.example>")
    assert m.thread[0].endswith("BKG 177MSC4471093 - MSCU1234566 rerouted via the Cape.")
    assert "forward_note" not in m.structured


def test_forward_as_attached_message() -> None:
    inner = email(
        "Container CAIU7714059: reefer unit failure, cargo at 9 °C.",
        subject="Reefer alarm",
        sender="Levante <ops@levante.example>",
    )
    outer = email("FYI", subject="Fwd: Reefer alarm", sender="me@shipper.example")
    outer.add_attachment(inner)
    m = parse_ok(SRC, as_bytes(outer))
    assert m.sender == "me@shipper.example"
    assert m.body == "Container CAIU7714059: reefer unit failure, cargo at 9 °C."
    assert m.structured["forward_note"] == "FYI"
    assert m.structured["forwarded_from"] == "ops@levante.example"
    assert [a.content_type for a in m.attachments] == ["message/rfc822"]


# --------------------------------------------------------------------------- bad e-mails


def test_header_block_that_never_ends_is_bad_mime() -> None:
    data = b"From: ops@carrier.example\r\nSubject: Zending 62418830588\r\n"
    data += b'Content-Type: multipart/mixed;\r\n\tboundary="--=_Pa'  # cut here, as data/inbox/email/truncated.eml
    code, detail = parse_err(SRC, data)
    assert code == "bad_mime" and "header block never ends" in detail


def test_truncated_multipart_is_bad_mime() -> None:
    msg = email("Body text of a message that will be cut.")
    msg.add_attachment(b"%PDF-1.4 " + b"x" * 5000, maintype="application", subtype="pdf", filename="pod.pdf")
    data = as_bytes(msg)
    code, detail = parse_err(SRC, data[: len(data) // 2])
    assert code == "bad_mime" and "closing boundary" in detail and "truncated" in detail


def test_boundary_never_used_is_bad_mime() -> None:
    data = raw_email(
        {**BASE_HEADERS, "Content-Type": 'multipart/mixed; boundary="AAA"'}, b"--BBB\r\n\r\nhello\r\n--BBB--\r\n"
    )
    code, detail = parse_err(SRC, data)
    assert code == "bad_mime" and "'AAA'" in detail


def test_multipart_without_text_part_is_bad_mime() -> None:
    msg = EmailMessage()
    msg["From"] = "ops@carrier.example"
    msg["Subject"] = "photo"
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, maintype="image", subtype="png", filename="a.png")
    code, detail = parse_err(SRC, as_bytes(msg))
    assert code == "bad_mime" and "no parseable body" in detail and "image/png" in detail


def test_not_an_email() -> None:
    code, detail = parse_err(SRC, b"hello there\nthis is just text\n\nwith no headers")
    assert code == "bad_mime" and "RFC 822 headers" in detail
    code, _ = parse_err(SRC, b"\x00\x01\x02\x03garbage" * 50)
    assert code == "binary"


def test_no_text_at_all() -> None:
    data = raw_email({"From": "ops@carrier.example", "Content-Type": "text/plain"}, b"   \r\n\r\n")
    code, detail = parse_err(SRC, data)
    assert code == "no_text" and "no subject, no body text" in detail


def test_subject_only_message_is_kept() -> None:
    m = parse_ok(SRC, raw_email({**BASE_HEADERS, "Subject": "POD available for BOL 8812-3390"}, b""))
    assert m.subject == "POD available for BOL 8812-3390" and m.body == ""


def test_headers_only_message_ending_in_a_line_break_is_valid() -> None:
    data = b"From: ops@carrier.example\r\nSubject: POD available for BOL 8812-3390\r\nMessage-ID: <h@x>\r\n"
    m = parse_ok(SRC, data)
    assert m.subject == "POD available for BOL 8812-3390" and m.body == ""


def test_html_reply_with_blockquote() -> None:
    html = (
        "<div>Confirmed, new slot Friday 08:00.</div><br>"
        '<div class="gmail_quote"><div>On Thu, 5 Mar 2026 at 10:02, Ana Ruiz &lt;ana@shipper.example&gt; wrote:</div>'
        "<blockquote><div>Can you rebook WH/OUT/01544?</div></blockquote></div>"
    )
    m = parse_ok(SRC, as_bytes(email(None, html=html)))
    assert m.body == "Confirmed, new slot Friday 08:00."
    attribution = "On Thu, 5 Mar 2026 at 10:02, Ana Ruiz <ana@shipper.example> wrote:"
    assert m.thread == [f"{attribution}\n\nCan you rebook WH/OUT/01544?"]


def test_sent_from_my_phone_is_a_signature() -> None:
    m = parse_ok(SRC, as_bytes(email("Pallet 3 is wet, refusing it.\n\nSent from my iPhone")))
    assert m.body == "Pallet 3 is wet, refusing it." and m.signature == "Sent from my iPhone"


def test_bounce_with_delivery_status() -> None:
    report = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/plain\r\n\r\nYour message to dock@consignee.example could not be delivered.\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; dock@consignee.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--R--\r\n"
    )
    m = parse_ok(SRC, report)
    assert m.body == "Your message to dock@consignee.example could not be delivered."
    [status] = m.attachments
    assert status.content_type == "message/delivery-status"
    assert status.text is not None and "Status: 5.1.1" in status.text


def test_text_part_holding_binary_is_not_read_as_text() -> None:
    data = text_email(b"\x00\x01\x02\x03" * 100, "text/plain; charset=utf-8", "8bit")
    code, detail = parse_err(SRC, data)
    assert code == "bad_mime" and "binary data" in detail


def test_text_labelled_base64_that_is_plain_text() -> None:
    m = parse_ok(SRC, text_email(b"Zustellung verweigert, Rampe belegt.", cte="base64"))
    assert m.body == "Zustellung verweigert, Rampe belegt."
