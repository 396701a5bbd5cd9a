"""Builds a real TRIAGE_HOME for the UI tests: real store, real redactor, memory and reasoner, and a
handful of messages run through the REAL graph up to the review interrupt (no fakes)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agents.app import build_app
from agents.settings import Settings
from agents.state import InboundMessage
from tools.store.cases import content_fingerprint

# Realistic carrier mail; names and phone numbers are personal data the redactor must take out.
MESSAGES: list[dict[str, Any]] = [
    {
        "key": "refused",
        "channel": "email",
        "sender": "claims@nordfreight.example",
        "subject": "Delivery refused by consignee - PO-55102 - tracking 1Z999AA10123456784",
        "body": (
            "Hello,\n\nOur driver attempted delivery of PO-55102 (tracking 1Z999AA10123456784) this morning. "
            "The consignee refused the delivery at the dock: the receiving clerk Katrin Vogel said the goods "
            "arrived after the booked slot and they will not accept them. The pallets are back on our truck.\n\n"
            "Please advise whether we should return the goods to your warehouse or redeliver tomorrow. "
            "Call me on 269-555-0176.\n\nRegards,\nMarta Lind\nNordfreight dispatch"
        ),
        "context": {"customer_tier": "gold"},
        "structured": {"carrier": "Nordfreight"},
    },
    {
        "key": "damaged",
        "channel": "email",
        "sender": "ops@coldchain-logistics.example",
        "subject": "Damaged goods on delivery - BOL 8812-3390",
        "body": (
            "Dear customer,\n\nShipment BOL 8812-3390 was delivered with 4 of 12 cartons crushed and wet; "
            "the consignee signed the POD with remarks (damage noted). Photos are attached to our claim file. "
            "Contact John Miller at john.miller@example.com for the claim.\n\nColdChain Logistics"
        ),
        "context": {"order_value": 18000},
        "structured": {"carrier": "ColdChain"},
    },
    {
        "key": "weather",
        "channel": "portal",
        "sender": "ShipTrack portal",
        "subject": None,
        "body": "EXC AO - WX DELAY DEN TERMINAL, I-70 CLOSED BY BLIZZARD. PRO 0412-559812 HELD. NEW ETA 03/14 PM",
        "context": {},
        "structured": {"carrier": "Rocky Mountain LTL"},
    },
    {
        "key": "customs",
        "channel": "email",
        "sender": "brokerage@customs-partner.example",
        "subject": "Customs hold - container MSCU1234565 - missing commercial invoice",
        "body": (
            "Good afternoon,\n\nContainer MSCU1234565 (booking 7781123) is on customs hold at Rotterdam: the "
            "commercial invoice is missing and duties cannot be assessed. Please send the invoice so we can "
            "file the entry. Storage charges start in 48 hours.\n\nBest regards,\nPieter de Vries"
        ),
        "context": {},
        "structured": {"carrier": "MSC"},
    },
    {
        "key": "address",
        "channel": "email",
        "sender": "support@parcelnet.example",
        "subject": "Undeliverable - incorrect address - parcel 61209934475",
        "body": (
            "We could not deliver parcel 61209934475: the street number does not exist and the consignee could "
            "not be reached. Please provide a corrected delivery address within 5 days or the parcel will be "
            "returned to sender."
        ),
        "context": {},
        "structured": {"carrier": "ParcelNet"},
    },
    {
        "key": "delivered",
        "channel": "portal",
        "sender": "ShipTrack portal",
        "subject": None,
        "body": "STATUS D1 DELIVERED. PRO 0412-771203 DELIVERED 09:42, POD SIGNED, NO EXCEPTIONS.",
        "context": {},
        "structured": {"carrier": "Rocky Mountain LTL"},
    },
]


@contextmanager
def triage_env(home: Path) -> Iterator[None]:
    """TRIAGE_HOME (and nothing else from the machine) for the duration of the block."""
    saved = {k: os.environ.get(k) for k in ("TRIAGE_HOME", "TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL",
                                            "ODOO_URL", "TRIAGE_REASONER")}
    os.environ["TRIAGE_HOME"] = str(home)
    for key in saved:
        if key != "TRIAGE_HOME":
            os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_triaged_home(home: Path, now: datetime | None = None) -> dict[str, str]:
    """Create a TRIAGE_HOME with the demo users and MESSAGES triaged to review; key -> case id."""
    home.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    with triage_env(home):
        app = build_app(Settings())
        app.training.ensure_memory()
        app.users.ensure_demo_users()
        ids: dict[str, str] = {}
        for i, spec in enumerate(MESSAGES):
            message = InboundMessage(
                channel=spec["channel"],
                source=f"test:{spec['key']}",
                message_id=f"<{spec['key']}@ui-tests.example>",
                sender=spec["sender"],
                subject=spec["subject"],
                body=spec["body"],
                received_at=now - timedelta(hours=2 + 3 * i),
                structured=spec["structured"],
                context=spec["context"],
            )
            stored = app.store.add_message(message, content_fingerprint(message), now, timedelta(days=30))
            assert stored is not None
            ids[spec["key"]] = stored[0]
        with app:
            for case_id in ids.values():
                assert app.runner.start(case_id) is not None, f"{case_id} did not reach review"
    return ids


def copy_home(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


# ------------------------------------------------------------------------------------------ template cache

_REPO = Path(__file__).resolve().parents[2]
_memo: dict[str, tuple[Path, dict[str, str]]] = {}


def _inputs_digest() -> str:
    """What the template depends on most: the seed data, the schema, the state model and this builder.

    A change elsewhere in the code does not rebuild it on a developer's machine (other engineers'
    edits would rebuild it all day); CI starts from a fresh clone and always builds it. Rebuild by
    hand with `pytest --cache-clear`.
    """
    import hashlib

    digest = hashlib.sha256()
    files = sorted(
        p
        for root in ("data/memory_seed", "tools/store/migrations")
        for p in (_REPO / root).rglob("*")
        if p.is_file() and p.suffix in (".py", ".yaml", ".jsonl", ".json") and "__pycache__" not in p.parts
    )
    for path in [*files, _REPO / "agents" / "state.py", Path(__file__)]:
        digest.update(str(path.relative_to(_REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def template_home(cache_root: Path) -> tuple[Path, dict[str, str]]:
    """A triaged TRIAGE_HOME, built once and kept while its inputs (code, policies, seed) are unchanged.

    Seeding the memory and training the reasoner takes minutes, so the UI tests and the browser test
    share one template per session (and across runs through pytest's cache directory); each test
    works on its own copy.
    """
    import json

    override = os.environ.get("UI_TEST_TEMPLATE")  # a prepared template (a developer's shortcut)
    if override:
        return Path(override), json.loads((Path(override) / "case_ids.json").read_text(encoding="utf-8"))
    key = _inputs_digest()
    if key in _memo:
        return _memo[key]
    target = cache_root / f"home-{key}"
    ids_file = target / "case_ids.json"
    if not ids_file.exists():
        if target.exists():
            shutil.rmtree(target)
        building = cache_root / f"building-{key}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        try:
            ids = build_triaged_home(building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        (building / "case_ids.json").write_text(json.dumps(ids), encoding="utf-8")
        building.rename(target)
    _memo[key] = (target, json.loads(ids_file.read_text(encoding="utf-8")))
    return _memo[key]
