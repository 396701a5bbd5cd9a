"""Every regex the redactor runs costs time linear in its input, on hostile text too (issue 19).

Each pattern alone, on each adversarial string (`tools/redaction/adversarial.py`) at N, 2N and 4N
characters. A pattern fails when four times the text takes more than twelve times as long, with every
doubling more than 2.5 times as long (backtracking that grows quadratically shows 16 and 4; exponential
far more; a linear pattern 4 and 2, and a one-off jump such as the regex module switching its search
strategy shows at one step only), once the time is large enough to measure, or when it takes more than
a generous budget on the longest string. Times are the best of
three interleaved rounds (N, 2N, 4N, N, 2N, ...) of the pattern by itself, so a burst of load from other
processes hits every size alike; below 0.1 s a ratio is not judged (the machine's noise is larger).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import pairwise

import pytest

from tools.redaction.adversarial import NamedPattern, adversarial_strings, all_patterns

N = 8_000
BUDGET_S = 2.0  # per pattern on 4N = 32,000 characters; linear patterns take under 0.3 s here, loaded
MEASURABLE_S = 0.1  # below this, a ratio is noise on a shared 2-core machine
MAX_GROWTH = 12.0  # time at 4N over time at N
MIN_STEP = 2.5  # ... and at every doubling

PATTERNS = all_patterns(timeout=10.0)


def _best_of(run: Callable[[str], int], texts: tuple[str, ...], rounds: int = 3) -> list[float]:
    best = [float("inf")] * len(texts)
    for _ in range(rounds):
        for i, text in enumerate(texts):
            started = time.perf_counter()
            run(text)
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def test_the_inventory_holds_every_kind_of_pattern() -> None:
    names = [p.name for p in PATTERNS]
    assert len(names) == len(set(names))
    # the three patterns of issue 19's log, Presidio's own pattern recognizers, the redactor's, the references'
    for must in ("person_in_sign_off/wrote", "person_with_context/before_address_brackets",
                 "person_with_context/name_before_phone", "email_address/email", "IbanRecognizer/IBAN Generic",
                 "CreditCardRecognizer/", "redactor/surface_word", "references/tracking#"):
        assert any(n.startswith(must) for n in names), must
    assert len(names) > 80


@pytest.mark.slow
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_pattern_cost_is_linear_on_adversarial_text(pattern: NamedPattern) -> None:
    slow: list[str] = []
    for name, text in adversarial_strings(N):
        sizes = (text, text * 2, text * 4)
        try:
            times = _best_of(pattern.run, sizes, rounds=1)
            if times[-1] >= MEASURABLE_S:  # worth measuring properly
                times = _best_of(pattern.run, sizes)
        except TimeoutError:
            slow.append(f"{name}: timed out")
            continue
        growth = [later / max(earlier, 1e-6) for earlier, later in pairwise(times)]
        superlinear = times[-1] / max(times[0], 1e-6) > MAX_GROWTH and min(growth) > MIN_STEP
        if times[-1] > BUDGET_S or (times[-1] >= MEASURABLE_S and superlinear):
            ms = ", ".join(f"{t * 1000:.1f}" for t in times)
            slow.append(f"{name}: {ms} ms at {N}/{2 * N}/{4 * N} characters")
    assert not slow, f"{pattern.name} is not linear: {slow}"
