"""The test split stays apart from what the local reasoner learns from.

A test record overlaps the training data when it shares an id with a training record, when its
normalised text equals one, or when the Jaccard similarity of their word 5-shingles is at least 0.8.
Text is compared without redaction placeholders (`<PERSON_1>`) and without the record's labelled
`must_redact` strings, so a raw test record still matches its own redacted copy in the case memory.

`check_split(test_files, train_files)` compares dataset files (the project's own check, run by a test);
`check_records` compares any two collections, which the eval uses against the live case memory: the
local reasoner is trained on everything in it (the seed plus reviewed cases).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.dataset import read_labelled
from agents.text_patterns import PLACEHOLDER

NEAR_DUPLICATE = 0.8
SHINGLE = 5
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Doc:
    id: str
    text: str
    origin: str  # where a person finds it: "file.jsonl:12" or "memory"


@dataclass(frozen=True)
class SplitProblem:
    kind: str  # same_id | same_text | near_duplicate | duplicate_test_id
    test_id: str
    test_origin: str
    train_id: str
    train_origin: str
    similarity: float

    def __str__(self) -> str:
        if self.kind == "duplicate_test_id":
            return f"test id {self.test_id} is used twice: {self.train_origin} and {self.test_origin}"
        what = {
            "same_id": "has the same id as",
            "same_text": "has the same normalised text as",
            "near_duplicate": f"is a near-duplicate (5-shingle Jaccard {self.similarity:.2f}) of",
        }[self.kind]
        return f"test {self.test_id} ({self.test_origin}) {what} training case {self.train_id} ({self.train_origin})"


def record_text(record: Mapping[str, Any]) -> str:
    """Subject and body without the labelled PII strings (what redaction would take out)."""
    text = f"{record.get('subject') or ''}\n{record.get('body') or ''}"
    for secret in (record.get("expected") or {}).get("must_redact") or []:
        if secret:
            text = text.replace(str(secret), " ")
    return text


def normalise(text: str) -> list[str]:
    return _WORD.findall(PLACEHOLDER.sub(" ", text).lower())


def shingles(words: Sequence[str], size: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    if len(words) <= size:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def docs_from_file(path: Path) -> list[Doc]:
    """Records of a dataset file as Docs; a bad line raises ValueError naming file and line."""
    docs: list[Doc] = []
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if line.strip()]
    for line, record in zip(lines, read_labelled(path), strict=False):
        docs.append(Doc(str(record["id"]), record_text(record), f"{path.name}:{line}"))
    return docs


def check_records(
    test: Iterable[Doc], train: Iterable[Doc], threshold: float = NEAR_DUPLICATE, compare_ids: bool = True
) -> list[SplitProblem]:
    """Every (test, training) pair that shares an id, a normalised text, or most of its shingles.
    `compare_ids=False` compares texts only (for datasets from elsewhere, whose ids mean nothing here)."""
    train_docs = list(train)
    by_id = {d.id: d for d in train_docs}
    by_text: dict[str, Doc] = {}
    train_shingles: list[frozenset[tuple[str, ...]]] = []
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, doc in enumerate(train_docs):
        words = normalise(doc.text)
        by_text.setdefault(" ".join(words), doc)
        sh = shingles(words)
        train_shingles.append(sh)
        for s in sh:
            index[s].append(i)
    problems: list[SplitProblem] = []
    for doc in test:
        if compare_ids and doc.id in by_id:
            other = by_id[doc.id]
            problems.append(SplitProblem("same_id", doc.id, doc.origin, other.id, other.origin, 1.0))
        words = normalise(doc.text)
        same = by_text.get(" ".join(words)) if words else None
        if same is not None:
            problems.append(SplitProblem("same_text", doc.id, doc.origin, same.id, same.origin, 1.0))
            continue
        mine = shingles(words)
        shared: dict[int, int] = defaultdict(int)
        for s in mine:
            for i in index.get(s, ()):
                shared[i] += 1
        for i, common in shared.items():
            similarity = common / (len(mine) + len(train_shingles[i]) - common)
            if similarity >= threshold:
                other = train_docs[i]
                problems.append(
                    SplitProblem("near_duplicate", doc.id, doc.origin, other.id, other.origin, round(similarity, 3))
                )
    return problems


def check_split(test_files: Sequence[Path], train_files: Sequence[Path]) -> list[SplitProblem]:
    """Overlaps between test dataset files and training (memory seed) files, and ids reused inside the
    test files themselves (two records with one id would be scored as one case)."""
    test = [d for f in test_files for d in docs_from_file(Path(f))]
    train = [d for f in train_files for d in docs_from_file(Path(f))]
    problems = check_records(test, train)
    seen: dict[str, Doc] = {}
    for doc in test:
        if doc.id in seen:
            problems.append(SplitProblem("duplicate_test_id", doc.id, doc.origin, doc.id, seen[doc.id].origin, 1.0))
        seen.setdefault(doc.id, doc)
    return problems


def memory_docs(memory: Any) -> list[Doc]:
    """Everything in the case memory (redacted texts), which is what the local reasoner trains on."""
    if memory.count() == 0:
        return []
    got = memory.collection.get(include=["documents"])
    return [Doc(str(i), str(d or ""), "case memory") for i, d in zip(got["ids"], got["documents"] or [], strict=False)]
