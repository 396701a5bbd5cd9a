"""`triage eval` refuses bad input clearly, before any model is loaded."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from agents.app import build_app
from agents.settings import Settings
from evals.cli import cmd_eval, load_baseline
from evals.harness import DatasetError, load_datasets, sample_per_reason

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "id": "ex-1",
    "channel": "email",
    "sender": "ops@carrier.example",
    "subject": "Breakdown - BOL 8812-3390",
    "body": "Truck 4471 broke down.",
    "expected": {"reason": "equipment_failure", "must_redact": [], "must_keep": ["8812-3390"]},
}


def _args(tmp_path: Path, *datasets: Path, baseline: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        dataset=[str(d) for d in datasets], out=str(tmp_path / "out"), reasoner=None, baseline=baseline, gates=None
    )


def _file(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"bad\.jsonl:3: not a JSON object"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "body"}), r"bad\.jsonl:3: missing key 'body'"),
        (json.dumps({**GOOD, "expected": {"reason": "aliens"}}), r"bad\.jsonl:3: expected.reason 'aliens'"),
        (json.dumps({**GOOD, "channel": "fax"}), r"bad\.jsonl:3: channel 'fax'"),
        (json.dumps({**GOOD, "expected": {"reason": "lost", "priority": "P9"}}), r"bad\.jsonl:3: expected.priority"),
        (json.dumps({**GOOD, "expected": {"reason": "lost", "must_keep": "x"}}), r"must_keep must be a list"),
        (json.dumps({**GOOD, "received_at": "yesterday"}), r"bad\.jsonl:3: received_at"),
        (json.dumps({**GOOD, "id": "ex-0"}), r"bad\.jsonl:3: id 'ex-0' is already used at .*bad\.jsonl:1"),
        ("42", r"bad\.jsonl:3: not a JSON object"),
        ("[1, 2]", r"bad\.jsonl:3: missing key 'id'"),
    ],
)
def test_a_bad_dataset_line_names_file_line_and_what_is_wrong(tmp_path: Path, line: str, message: str) -> None:
    path = _file(tmp_path, "bad.jsonl", [json.dumps({**GOOD, "id": "ex-0"}), "", line])
    with pytest.raises(DatasetError, match=message):
        load_datasets([path])


def test_line_numbers_survive_unicode_line_separators(tmp_path: Path) -> None:
    first = json.dumps({**GOOD, "id": "ex-0", "body": "line one\u2028line two"}, ensure_ascii=False)
    path = _file(tmp_path, "sep.jsonl", [first, json.dumps({**GOOD, "channel": "fax"})])
    with pytest.raises(DatasetError, match=r"sep\.jsonl:2: channel"):
        load_datasets([path])


def test_cmd_eval_exits_2_on_bad_input(tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _file(tmp_path, "bad.jsonl", ["{not json"])
    assert cmd_eval(_args(tmp_path, bad), build_app(settings)) == 2
    assert "bad.jsonl:1: not a JSON object" in capsys.readouterr().err
    assert cmd_eval(_args(tmp_path, tmp_path / "missing.jsonl"), build_app(settings)) == 2
    assert "no such dataset file" in capsys.readouterr().err
    good = _file(tmp_path, "good.jsonl", [json.dumps(GOOD)])
    assert cmd_eval(_args(tmp_path, good, baseline=str(tmp_path / "nowhere")), build_app(settings)) == 2
    assert "no baseline metrics.json" in capsys.readouterr().err
    assert cmd_eval(_args(tmp_path, good, good), build_app(settings)) == 2  # the same ids twice
    assert "already used" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_load_baseline_accepts_a_dir_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text(json.dumps({"reason": {"macro_f1": 0.9}}))
    assert load_baseline(tmp_path)[0]["reason"]["macro_f1"] == 0.9
    assert load_baseline(tmp_path / "metrics.json")[1] == tmp_path / "metrics.json"
    (tmp_path / "other.json").write_text("[]")
    with pytest.raises(ValueError, match=r"not an eval metrics\.json"):
        load_baseline(tmp_path / "other.json")


def test_the_projects_datasets_load_and_sample_evenly() -> None:
    records = load_datasets(sorted((REPO / "evals" / "datasets").glob("test_*.jsonl")))
    assert len(records) >= 400
    sample = sample_per_reason(records, 2)
    assert len(sample) == 24
    assert {r.record["expected"]["reason"] for r in sample} == {r.record["expected"]["reason"] for r in records}
