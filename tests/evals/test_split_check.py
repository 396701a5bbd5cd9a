"""The test split stays apart from the memory seed (what the local reasoner trains on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.dataset import SEED_DIR
from evals.split_check import Doc, check_records, check_split, normalise, record_text, shingles

REPO = Path(__file__).resolve().parents[2]
TEXT = (
    "Trailer 4471 broke down on the A7 near Kassel this morning, the driver is waiting for roadside assistance "
    "and the load of shipment BOL 8812-3390 will miss today's delivery window at the Hamburg cross-dock. "
    "We expect a replacement tractor by 16:00 and will send a new ETA as soon as the recovery team confirms it."
)


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _rec(rid: str, body: str, subject: str | None = None, must_redact: list[str] | None = None) -> dict:
    return {
        "id": rid,
        "channel": "email",
        "sender": None,
        "subject": subject,
        "body": body,
        "expected": {"reason": "equipment_failure", "must_redact": must_redact or [], "must_keep": []},
    }


def test_the_projects_test_sets_do_not_overlap_the_memory_seed() -> None:
    test_files = sorted((REPO / "evals" / "datasets").glob("*.jsonl"))
    seed_files = sorted(SEED_DIR.glob("*.jsonl"))
    assert test_files and seed_files
    problems = check_split(test_files, seed_files)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_shared_id_is_found(tmp_path: Path) -> None:
    test = _write(tmp_path / "test.jsonl", [_rec("ex-1", "Completely different words about a customs hold.")])
    train = _write(tmp_path / "train.jsonl", [_rec("ex-1", TEXT)])
    problems = check_split([test], [train])
    assert [p.kind for p in problems] == ["same_id"]
    assert "test.jsonl:1" in str(problems[0]) and "train.jsonl:1" in str(problems[0])


def test_same_normalised_text_is_found_despite_case_spacing_and_punctuation(tmp_path: Path) -> None:
    variant = TEXT.upper().replace(",", " ;").replace(" ", "   ")
    test = _write(tmp_path / "test.jsonl", [_rec("t-1", variant)])
    train = _write(tmp_path / "train.jsonl", [_rec("s-1", TEXT)])
    assert [p.kind for p in check_split([test], [train])] == ["same_text"]


def test_near_duplicate_is_found_and_a_distinct_text_is_not() -> None:
    edited = TEXT.replace("16:00", "17:30")  # one word changed: 5 of ~55 shingles differ
    problems = check_records([Doc("t-1", edited, "t")], [Doc("s-1", TEXT, "s")])
    assert [p.kind for p in problems] == ["near_duplicate"] and problems[0].similarity >= 0.8
    words = normalise(TEXT)
    half = " ".join(words[: len(words) // 2]) + " customs entry rejected because the invoice was missing"
    assert check_records([Doc("t-2", half, "t")], [Doc("s-1", TEXT, "s")]) == []


def test_a_raw_record_matches_its_own_redacted_copy_in_memory() -> None:
    raw = _rec("t-9", TEXT.replace("the driver", "driver Luis Ortega (+1 269-555-0176)"),
               must_redact=["Luis Ortega", "+1 269-555-0176"])  # fmt: skip
    redacted = TEXT.replace("the driver", "driver <PERSON_1> (<PHONE_NUMBER_1>)")
    problems = check_records([Doc("t-9", record_text(raw), "t")], [Doc("case-1", redacted, "memory")])
    assert problems and problems[0].kind in ("same_text", "near_duplicate")


def test_duplicate_ids_inside_the_test_files_are_reported(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", [_rec("x", "one text about a lost pallet")])
    b = _write(tmp_path / "b.jsonl", [_rec("x", "another text about weather")])
    train = _write(tmp_path / "train.jsonl", [_rec("s", TEXT)])
    problems = check_split([a, b], [train])
    assert [p.kind for p in problems] == ["duplicate_test_id"]
    assert "a.jsonl:1" in str(problems[0]) and "b.jsonl:1" in str(problems[0])


def test_a_bad_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_rec("a", TEXT)) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:3"):
        check_split([bad], [])


def test_short_texts_make_one_shingle() -> None:
    assert shingles(["exc", "ao"]) == frozenset([("exc", "ao")])
    assert shingles([]) == frozenset()
