"""Fuzzing the ingestion parsers with malformed input (seeded generators plus hypothesis).

For every input: parse_input never raises, yields at least one outcome, every outcome carries
exactly one of message/error, every error has a code and a detail naming its source, and every
message can be serialised (no lone surrogates) and holds no NUL characters.
"""

from __future__ import annotations

import io
import json
import random
import time
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import docx
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.state import Channel
from tools.ingest import ParseOutcome, RawInput, parse_input
from tools.ingest.detect import channel_for_suffix

SEED = 20260302
MAX_BYTES = 4 * 1024 * 1024
SUFFIXES = (".eml", ".mbox", ".json", ".jsonl", ".pdf", ".docx", ".txt", ".bin", "")

Case = tuple[str, bytes]  # (source, data)


# --------------------------------------------------------------------------- the check


def check(source: str, data: bytes, hint: Channel | None = None, *, from_suffix: bool = True) -> list[ParseOutcome]:
    if from_suffix and hint is None and "." in source.rsplit("/", 1)[-1]:
        hint = channel_for_suffix("." + source.rsplit(".", 1)[-1])
    outcomes = parse_input(RawInput(source=source, data=data, channel_hint=hint), max_bytes=MAX_BYTES)
    assert len(outcomes) >= 1, source
    for outcome in outcomes:
        assert outcome.source.startswith(source)
        assert (outcome.message is None) != (outcome.error is None), outcome
        if outcome.error is not None:
            assert outcome.error.code, outcome
            assert outcome.source in outcome.error.detail, outcome.error
            assert isinstance(outcome.data, bytes)
            _storable(outcome.error.detail)
        else:
            assert outcome.message is not None
            outcome.message.model_dump_json()  # raises on lone surrogates
            _storable(outcome.message.model_dump())
    return outcomes


def _storable(value: Any) -> None:
    """Every string encodes as UTF-8 and holds no NUL: what PostgreSQL and JSON writers need."""
    if isinstance(value, str):
        value.encode("utf-8")
        assert "\x00" not in value
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)


def run_all(cases: list[Case], budget_s: float) -> None:
    start = time.monotonic()
    for source, data in cases:
        check(source, data)
    elapsed = time.monotonic() - start
    assert elapsed < budget_s, f"{len(cases)} inputs took {elapsed:.1f}s"


# --------------------------------------------------------------------------- valid samples to break


def _pdf(text: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=11)
    doc.multi_cell(0, 7, text)
    return bytes(doc.output())


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "BOL", "8812-3390"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


PDF = _pdf("CMR / Proof of Delivery\nConsignment TW-26-03-0417\nGoods received complete.")
DOCX = _docx("Damage Report DR/2026/05/118: pallets 7 and 8 crushed.")
ZIP = _zip({"photos/1.jpg": b"\xff\xd8\xff" + b"1" * 300, "readme.txt": b"photos of damage"})


def _email(body: str, **kw: Any) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = kw.get("sender", "Luis Ortega <ops@carrier.example>")
    msg["To"] = "exceptions@shipper.example"
    msg["Subject"] = kw.get("subject", "Breakdown - BOL 8812-3390 – Verspätung")
    msg["Date"] = "Mon, 02 Mar 2026 10:14:00 +0100"
    msg["Message-ID"] = "<fuzz@carrier.example>"
    msg.set_content(body, charset=kw.get("charset", "utf-8"), cte=kw.get("cte"))
    if "html" in kw:
        msg.add_alternative(kw["html"], subtype="html")
    return msg


def email_samples() -> list[bytes]:
    body = "Truck 4471 broke down near Kalamazoo.\nBOL 8812-3390 will be late – Grüße.\n\n-- \nLuis\n"
    reply = "New ETA Thursday.\n\nOn Mon, 2 Mar 2026, Ana <a@x.example> wrote:\n> Where is it?\n"
    forward = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: DPD <n@dpd.example>\nSubject: missed\n\nNobody home."
    )
    samples = [
        _email(body),
        _email(body, cte="quoted-printable"),
        _email(body, cte="base64"),
        _email(body, html="<p>Truck <b>4471</b> broke down.<br>BOL 8812-3390</p><script>x()</script>"),
        _email(reply),
        _email(forward, subject="Fwd: missed"),
        _email("Straße gesperrt, Zollrückfrage.", charset="iso-8859-1"),
    ]
    mixed = _email(body)
    mixed.add_attachment(PDF, maintype="application", subtype="pdf", filename="pod.pdf")
    mixed.add_attachment(
        DOCX,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="r.docx",
    )
    mixed.add_attachment(ZIP, maintype="application", subtype="zip", filename="photos.zip")
    samples.append(mixed)
    outer = _email("see attached")
    outer.add_attachment(_email(reply, subject="inner"))
    samples.append(outer)
    return [m.as_bytes(policy=SMTP) for m in samples]


EVENT = {
    "event_id": "FX-EVT-1",
    "portal": "ShipTrack",
    "carrier": "FedEx",
    "tracking_number": "789400331274",
    "status_code": "AT7:AO",
    "status_description": "Weather delay",
    "location": "Memphis, TN",
    "event_time": "2026-03-02T05:14:00-06:00",
    "eta": "2026-03-04",
    "reference": "PO-77120",
    "text": "Ice storm at MEM hub – Flüge gestrichen.",
    "context": {"customer_tier": "gold", "order_value": 18250.0},
}


def json_samples() -> list[tuple[str, bytes]]:
    one = json.dumps(EVENT, ensure_ascii=False).encode()
    many = json.dumps([EVENT, {**EVENT, "event_id": "2"}], indent=2, ensure_ascii=False).encode()
    lines = "\n".join(json.dumps({**EVENT, "event_id": str(i)}) for i in range(4)).encode()
    return [("one.json", one), ("many.json", many), ("feed.jsonl", lines)]


# --------------------------------------------------------------------------- mutators


def mutate(rng: random.Random, data: bytes, rounds: int) -> bytes:
    buf = bytearray(data)
    for _ in range(rounds):
        if not buf:
            buf += rng.randbytes(rng.randint(1, 20))
            continue
        op = rng.randrange(7)
        i = rng.randrange(len(buf))
        if op == 0:
            buf[i] = rng.randrange(256)
        elif op == 1:
            buf[i:i] = rng.randbytes(rng.randint(1, 40))
        elif op == 2:
            del buf[i : i + rng.randint(1, 200)]
        elif op == 3:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j : j + rng.randint(1, 300)]
        elif op == 4:
            buf[i:i] = rng.choice([b"\r\n", b"\n\n", b"--", b"=?utf-8?q?", b"\x00", b"{", b"}", b'"', b"\\", b">"])
        elif op == 5:
            buf[i:i] = rng.choice(
                [
                    b'Content-Type: multipart/mixed; boundary="q"\n',
                    b"--q\n",
                    b"--q--\n",
                    b'charset="x-bogus"',
                    b"Content-Transfer-Encoding: base64\n",
                ]
            )
        else:
            del buf[i:]
    return bytes(buf)


def truncated_emails(rng: random.Random) -> list[Case]:
    cases = []
    for n, sample in enumerate(email_samples()):
        for k in range(14):
            cases.append((f"fuzz/trunc-{n}-{k}.eml", sample[: rng.randrange(len(sample))]))
    return cases


def mutated_inputs(rng: random.Random) -> list[Case]:
    pool: list[Case] = [(f"m{i}.eml", s) for i, s in enumerate(email_samples())]
    pool += [*json_samples(), ("doc.pdf", PDF), ("doc.docx", DOCX), ("doc.txt", "Straße gesperrt".encode("cp1252"))]
    cases = []
    for k in range(220):
        name, data = rng.choice(pool)
        cases.append((f"fuzz/mut-{k}-{name}", mutate(rng, data, rng.randint(1, 25))))
    return cases


def binary_garbage(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(110):
        data = rng.randbytes(rng.choice([1, 7, 64, 512, 4096, 20000]))
        if k % 5 == 0:
            data = rng.choice([b"%PDF-1.7\n", b"PK\x03\x04", b"From: a@b\n\n", b"{", b"\xef\xbb\xbf"]) + data
        cases.append((f"fuzz/garbage-{k}{rng.choice(SUFFIXES)}", data))
    return cases


CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "koi8-r",
    "shift_jis",
    "utf-16",
    "us-ascii",
    "x-bogus",
    "",
    "utf-7",
    "gb2312",
    "iso-2022-jp",
    "unicode-1-1-utf-8",
    '"utf-8',
    "latin1; q=1",
]
TEXTS = [
    "Straße gesperrt – Verspätung €45",
    "Envío retenido, señor",
    "Груз задержан на таможне",
    "配送が遅れています",
    "plain ascii",
    "emoji 🚚📦 and ñ",
    "\x00\x01 control",
]


def wrong_charsets(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(110):
        text = rng.choice(TEXTS)
        actual = rng.choice(["utf-8", "cp1252", "latin-1", "cp1251", "shift_jis", "utf-16"])
        body = text.encode(actual, errors="replace")
        declared = rng.choice(CHARSETS)
        cte = rng.choice(["8bit", "7bit", "base64", "quoted-printable", "x-unknown"])
        ctype = rng.choice(["text/plain", "text/html"])
        subject = rng.choice([text, "=?" + declared + "?q?" + "Stra=DFe?=", "=?utf-8?b?!!!?="])
        head = (
            f"From: ops@carrier.example\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: {ctype}; charset="{declared}"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'
        ).encode("utf-8", errors="replace")
        if k % 3 == 0:  # a JSON or text document in the wrong charset too
            cases.append(
                (f"fuzz/cs-{k}.json", json.dumps({"text": text}, ensure_ascii=False).encode(actual, "replace"))
            )
        cases.append((f"fuzz/cs-{k}.eml", head + body))
    return cases


def empty_parts(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(50):
        parts = []
        for _ in range(rng.randint(0, 5)):
            headers = rng.choice(
                [
                    "",
                    "Content-Type: text/plain\r\n",
                    "Content-Type: text/html\r\n",
                    "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n",
                    'Content-Type: multipart/alternative; boundary="in"\r\n',
                ]
            )
            body = rng.choice(["", " ", "\r\n", "x", "--in\r\n\r\n--in--"])
            parts.append(f"--b\r\n{headers}\r\n{body}\r\n")
        data = (
            'From: a@b.example\r\nSubject: empty parts\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            + "".join(parts)
            + rng.choice(["--b--\r\n", "", "--b\r\n"])
        )
        cases.append((f"fuzz/empty-{k}.eml", data.encode()))
    return cases


def broken_nesting(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(100):
        depth = rng.choice([1, 2, 3, 5, 10, 40, 120])
        inner = "Content-Type: text/plain\r\n\r\nDeep text BOL 8812-3390\r\n"
        for level in range(depth):
            boundary = f"b{level}"
            opening = boundary if rng.random() > 0.1 else boundary + "x"  # a boundary that is never used
            closing = f"--{boundary}--\r\n" if rng.random() > 0.15 else ""  # a missing close
            sub = rng.choice(["mixed", "alternative", "related", "signed", "digest"])
            inner = (
                f'Content-Type: multipart/{sub}; boundary="{opening}"\r\n\r\n'
                f"--{boundary}\r\n{inner}\r\n{rng.choice(['', f'--{boundary}' + chr(13) + chr(10)])}{closing}"
            )
        data = f"From: a@b.example\r\nSubject: nested {depth}\r\nMIME-Version: 1.0\r\n{inner}".encode()
        cases.append((f"fuzz/nest-{k}.eml", data))
    return cases


def zip_posing_as_documents(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(50):
        msg = _email("Documents attached, BOL 8812-3390.")
        fake = rng.choice(
            [
                ZIP,
                _zip({"word/document.xml": rng.randbytes(50)}),
                _zip({}),
                ZIP[: rng.randrange(len(ZIP))],
                _zip({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<bad"}),
            ]
        )
        name = rng.choice(["invoice.pdf", "report.docx", "scan.PDF", "x"])
        ctype = rng.choice(
            [
                ("application", "pdf"),
                ("application", "octet-stream"),
                ("text", "plain"),
                ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ]
        )
        if ctype[0] == "text":
            msg.add_attachment(fake.decode("latin-1"), subtype="plain", filename=name)
        else:
            msg.add_attachment(fake, maintype=ctype[0], subtype=ctype[1], filename=name)
        cases.append((f"fuzz/zipdoc-{k}.eml", msg.as_bytes(policy=SMTP)))
        if k % 5 == 0:  # and as a document of its own
            cases.append((f"fuzz/zipdoc-{k}{rng.choice(['.pdf', '.docx'])}", fake))
    return cases


def invalid_json(rng: random.Random) -> list[Case]:
    cases = []
    samples = json_samples()
    for k in range(150):
        name, data = rng.choice(samples)
        data = data[: rng.randrange(len(data))] if k % 2 else mutate(rng, data, rng.randint(1, 6))
        cases.append((f"fuzz/badjson-{k}-{name}", data))
    cases.append(("fuzz/deep.json", b"[" * 100_000 + b"]" * 100_000))
    cases.append(("fuzz/deep-obj.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000))
    return cases


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["int", "float", "str", "bool", "null", "list", "dict", "bigint", "nan"]
    kind = rng.choice(kinds if depth < 3 else kinds[:5])
    if kind == "int":
        return rng.randint(-5, 10**6)
    if kind == "float":
        return rng.uniform(-1e6, 1e6)
    if kind == "str":
        return rng.choice(["", " ", "x", "2026-13-45", "2026-03-02T05:14:00Z", "\u2028", "\ud800x"[1:], "é" * 50])
    if kind == "bool":
        return rng.random() > 0.5
    if kind == "null":
        return None
    if kind == "bigint":
        return 10**40
    if kind == "nan":
        return float("nan")
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(rng.randint(0, 9)): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def wrong_types(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(150):
        event: Any = dict(EVENT)
        for key in rng.sample([*sorted(EVENT), "extra"], rng.randint(1, 4)):
            event[key] = _random_value(rng)
        if rng.random() < 0.1:
            event.pop("text", None)
        if rng.random() < 0.1:
            event = _random_value(rng)
        container = rng.choice(["one", "list", "lines"])
        if container == "one":
            cases.append((f"fuzz/types-{k}.json", json.dumps(event).encode()))
        elif container == "list":
            cases.append((f"fuzz/types-{k}.json", json.dumps([EVENT, event]).encode()))
        else:
            cases.append((f"fuzz/types-{k}.jsonl", (json.dumps(EVENT) + "\n" + json.dumps(event)).encode()))
    return cases


def eight_bit_headers(rng: random.Random) -> list[Case]:
    """Raw 8-bit bytes inside header values and MIME parameters (charset, boundary, file name)."""
    cases = []
    samples = email_samples()
    targets = [b"Content-Type: ", b"charset=", b'boundary="', b'filename="', b"Message-ID: <", b"From: ", b"Subject: "]
    for k in range(80):
        data = rng.choice(samples)
        for _ in range(rng.randint(1, 4)):
            target = rng.choice(targets)
            at = data.find(target)
            if at >= 0:
                at += len(target)
                data = data[:at] + rng.randbytes(rng.randint(1, 6)) + data[at:]
        cases.append((f"fuzz/8bit-{k}.eml", data))
    for k in range(20):  # JSON escapes that decode to lone surrogates, in every kind of field
        lone = f"\\u{rng.randrange(0xD800, 0xE000):04x}"
        field = rng.choice(["text", "event_id", "portal", "carrier", "context", "extra"])
        value = {"k" + lone: lone} if field == "context" else "Truck late " + lone
        raw = json.dumps({"text": "Truck late", field: value}).replace("\\\\", "\\")
        cases.append((f"fuzz/surrogate-{k}.json", raw.encode()))
    return cases


def broken_documents(rng: random.Random) -> list[Case]:
    cases = []
    for k in range(60):
        base = rng.choice([PDF, DOCX])
        ext = ".pdf" if base is PDF else ".docx"
        data = base[: rng.randrange(len(base))] if k % 2 else mutate(rng, base, rng.randint(1, 10))
        cases.append((f"fuzz/doc-{k}{ext}", data))
    return cases


GENERATORS: dict[str, Callable[[random.Random], list[Case]]] = {
    "truncated_emails": truncated_emails,
    "mutated_inputs": mutated_inputs,
    "binary_garbage": binary_garbage,
    "wrong_charsets": wrong_charsets,
    "empty_parts": empty_parts,
    "broken_nesting": broken_nesting,
    "zip_posing_as_documents": zip_posing_as_documents,
    "invalid_json": invalid_json,
    "wrong_types": wrong_types,
    "broken_documents": broken_documents,
    "eight_bit_headers": eight_bit_headers,
}
HYPOTHESIS_EXAMPLES = {"binary": 150, "json": 150, "headers": 60}
_BUDGET_S = {"mutated_inputs": 15.0, "broken_documents": 10.0}


# --------------------------------------------------------------------------- the tests


def _cases(name: str) -> list[Case]:
    return GENERATORS[name](random.Random(f"{SEED}-{name}"))


def test_truncated_emails() -> None:
    run_all(_cases("truncated_emails"), 10)


def test_mutated_samples_of_every_channel() -> None:
    run_all(_cases("mutated_inputs"), _BUDGET_S["mutated_inputs"])


def test_binary_garbage_under_every_file_type() -> None:
    run_all(_cases("binary_garbage"), 10)
    for _source, data in _cases("binary_garbage")[:20]:  # and on stdin, where the channel is sniffed
        check("stdin", data, from_suffix=False)


def test_wrong_charsets() -> None:
    run_all(_cases("wrong_charsets"), 10)


def test_empty_parts() -> None:
    run_all(_cases("empty_parts"), 5)


def test_nested_multiparts_with_broken_boundaries() -> None:
    run_all(_cases("broken_nesting"), 10)


def test_zip_bytes_posing_as_pdf_and_docx() -> None:
    cases = _cases("zip_posing_as_documents")
    run_all(cases, 10)
    for source, data in cases:
        if source.endswith(".eml"):
            [outcome] = check(source, data)
            assert outcome.message is not None, outcome.error  # a bad attachment never fails its message
            assert outcome.message.body == "Documents attached, BOL 8812-3390."


def test_invalid_json() -> None:
    run_all(_cases("invalid_json"), 10)


def test_json_of_wrong_types() -> None:
    run_all(_cases("wrong_types"), 10)


def test_broken_documents() -> None:
    run_all(_cases("broken_documents"), _BUDGET_S["broken_documents"])


def test_8bit_bytes_in_headers_and_surrogates_in_json() -> None:
    run_all(_cases("eight_bit_headers"), 10)


def test_huge_header_lines() -> None:
    megabyte = 1024 * 1024
    lines = [
        b"Subject: " + b"=?utf-8?q?Versp=C3=A4tung?= " * (megabyte // 28),
        b"From: " + b"a@b, " * (megabyte // 5),
        b"From: " + b'"(\\' * (megabyte // 3),
        b"Content-Type: text/plain; " + b'a="b";' * (megabyte // 6),
        b"X-Junk: " + b"x" * megabyte,
        b"Date: " + b"1" * megabyte,
    ]
    for n, line in enumerate(lines):
        start = time.monotonic()
        outcomes = check(f"fuzz/huge-{n}.eml", b"Message-ID: <h@x>\r\n" + line + b"\r\n\r\nTruck broke down.\r\n")
        assert time.monotonic() - start < 5
        assert outcomes[0].message is not None and outcomes[0].message.body == "Truck broke down."


def _hypothesis(kind: str) -> settings:
    return settings(
        max_examples=HYPOTHESIS_EXAMPLES[kind],
        deadline=None,
        derandomize=True,  # the same inputs on every run and machine
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@_hypothesis("binary")
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_hypothesis_bytes_under_every_file_type(data: bytes, suffix: str) -> None:
    check(f"hyp/input{suffix}" if suffix else "stdin", data)


def test_huge_pathological_bodies() -> None:
    """Bodies built to make line-by-line thread and signature detection slow stay within seconds."""
    head = b"From: a@b.example\r\nSubject: big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    bodies = [
        b"From: someone\nTo: x\n\n" * 100_000,
        b"Reply.\nOn Mon, 2 Mar 2026 Ana wrote:\n> " * 50_000,
        b"> quoted\nnot quoted\n" * 100_000,
        b"---------- Forwarded message ---------\n" * 50_000,
        b"Best regards\n" * 100_000,
    ]
    for n, body in enumerate(bodies):
        start = time.monotonic()
        check(f"fuzz/bigbody-{n}.eml", head + body)
        assert time.monotonic() - start < 10, n


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_events = st.fixed_dictionaries(
    {},
    optional={key: _json_values | st.text(max_size=40) for key in EVENT},
)


@_hypothesis("json")
@given(value=_json_values | _events | st.lists(_events, max_size=3), as_lines=st.booleans())
def test_hypothesis_json_values(value: Any, as_lines: bool) -> None:
    if as_lines and isinstance(value, list):
        check("hyp/feed.jsonl", "\n".join(json.dumps(v) for v in value).encode())
    else:
        check("hyp/event.json", json.dumps(value).encode())


@_hypothesis("headers")
@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "From",
                    "Subject",
                    "Date",
                    "Content-Type",
                    "Message-ID",
                    "Content-Transfer-Encoding",
                    "Content-Disposition",
                ]
            ),
            st.text(max_size=200),
        ),
        max_size=8,
    ),
    body=st.binary(max_size=500),
)
def test_hypothesis_email_headers(headers: list[tuple[str, str]], body: bytes) -> None:
    head = "".join(f"{k}: {v.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for k, v in headers)
    check("hyp/mail.eml", head.encode("utf-8", "surrogatepass") + b"\r\n" + body)


def test_at_least_1000_malformed_inputs() -> None:
    generated = sum(len(_cases(name)) for name in GENERATORS)
    assert generated + sum(HYPOTHESIS_EXAMPLES.values()) >= 1000, generated
