"""How a case summary reads against a record's labels (the summary metrics of the eval).

Per record: does the summary name the shipment (at least one of the labelled `must_keep` references:
the labels do not say which one is primary, and several sets list a form or complaint number first),
does it carry the new ETA when `expected.new_eta` labels one, does it merely copy the subject line, and
does it hold any labelled personal data (`must_redact`). `summary_metrics` turns the checks into shares;
a share without any labelled record is None, shown as "n/a".

The customer update draft of each case (`Proposal.customer_draft`) is checked the same way for personal
data: `draft_metrics` gives the share of drafts holding any `must_redact` string (gate `drafts_no_pii`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_MIN_SUBJECT_WORDS = 3  # a shorter subject ("Status update") is no copy when the summary contains it


@dataclass(frozen=True)
class SummaryCheck:
    has_primary_ref: bool | None  # None: no reference labelled
    has_new_eta: bool | None  # None: no new ETA labelled
    copies_subject: bool
    has_pii: bool


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def holds_label(text: str, labels: Sequence[str]) -> bool:
    """Does the normalised `text` hold any labelled string as a whole word sequence: the name "Tom" is
    not in "Customs", while "+49 170 5551234" and "ana.silva@example.com" are found where they stand."""
    wanted = [_norm(p) for p in labels if p.strip()]
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text) for p in wanted)


def summary_check(summary: str, redacted_subject: str | None, expected: dict[str, Any]) -> SummaryCheck:
    text = _norm(summary)
    keep = [k for k in expected.get("must_keep") or [] if k.strip()]
    eta = expected.get("new_eta")
    subject = _norm(redacted_subject)
    return SummaryCheck(
        has_primary_ref=any(_norm(k) in text for k in keep) if keep else None,
        has_new_eta=(eta in summary) if eta else None,
        copies_subject=len(subject.split()) >= _MIN_SUBJECT_WORDS and subject in text,
        has_pii=holds_label(text, expected.get("must_redact") or []),
    )


def _share(values: Sequence[bool | None]) -> tuple[float | None, int]:
    known = [v for v in values if v is not None]
    return (round(sum(known) / len(known), 4) if known else None), len(known)


def summary_metrics(checks: Sequence[SummaryCheck]) -> dict[str, Any]:
    ref, n_ref = _share([c.has_primary_ref for c in checks])
    eta, n_eta = _share([c.has_new_eta for c in checks])
    copies, n = _share([c.copies_subject for c in checks])
    pii, _ = _share([c.has_pii for c in checks])
    return {
        "n": n,
        "primary_ref_rate": ref,
        "primary_ref_n": n_ref,
        "new_eta_rate": eta,
        "new_eta_n": n_eta,
        "subject_copy_rate": copies,
        "pii_rate": pii,
    }


@dataclass(frozen=True)
class DraftCheck:
    has_pii: bool | None  # None: the case has no draft


def draft_check(draft: str | None, expected: dict[str, Any]) -> DraftCheck:
    if not draft:
        return DraftCheck(has_pii=None)
    return DraftCheck(has_pii=holds_label(_norm(draft), expected.get("must_redact") or []))


def draft_metrics(checks: Sequence[DraftCheck]) -> dict[str, Any]:
    pii, n = _share([c.has_pii for c in checks])
    return {"n": n, "pii_rate": pii}
