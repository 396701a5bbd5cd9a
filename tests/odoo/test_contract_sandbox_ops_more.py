"""Contract: the sandbox answers the n-series recordings (odoo17-ops-more / odoo18-ops-more) as the
recorded Odoo 17 and 18 servers did: a second warehouse, quants, per-warehouse availability and the
version differences in them.

The n-series continues from the state the -ops series leaves, so each run replays -ops first (exactly as
`test_contract_sandbox` does), then lays over it the state the n-series starts from that no recording
shows being made (`seed.bridge_to_ops_more`: the stocked product NW-WIDGET, S00002 / WH/OUT/00002, the
`triage-bot` stock user), then replays the n-series steps in order, with the clock following each
exchange's Date header. Steps that change data (warehouse create, quant create and apply, the bot's
pending count and its clearing) are replayed too: the reads after them depend on them.

Not replayed here: the partner-matching (n40-n48), ticket-stage (n50-n58) and language (n60-n83) steps.
They belong to the summaries, drafts and operations issues; the sandbox does not model res.lang or the
language wizard yet, and their state (partner 8 "Contoso Gold Foods", tickets by triage-bot) is a
different lineage from the -ops seed's partner 8.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.odoo.test_contract_sandbox import RecordingClock, ops_step, replay
from tools.odoo.sandbox import SandboxServer
from tools.odoo.sandbox.seed import bridge_to_ops_more

MORE = [
    ("odoo17-ops", "odoo17-ops-more", "odoo17ops", "17.0"),
    ("odoo18-ops", "odoo18-ops-more", "odoo18ops", "18.0"),
]
STOCK_STEPS = ("n0", "n1", "n2", "n30", "n31", "n32", "n71b", "n72", "n73", "n74")


def stock_step(label: str) -> bool:
    return label.startswith(STOCK_STEPS)


def replay_more(tmp_path: Path, ops: str, more: str, db: str, version: str) -> tuple[list[str], list[str]]:
    clock = RecordingClock()
    with SandboxServer(tmp_path / "home", "community", version, db=db, clock=clock) as server:
        _, problems = replay(server, clock, ops, ops_step)
        assert not problems, "the -ops replay differs:\n" + "\n".join(problems)
        assert server.app is not None
        state = server.app.emulator.state
        with state.lock:
            bridge_to_ops_more(state, int(version.split(".")[0]), at=clock.now())
        return replay(server, clock, more, stock_step)


@pytest.mark.parametrize(("ops", "more", "db", "version"), MORE, ids=["17", "18"])
def test_sandbox_answers_the_stock_recordings(tmp_path: Path, ops: str, more: str, db: str, version: str) -> None:
    replayed, problems = replay_more(tmp_path, ops, more, db, version)
    for label in (
        "n15_quant_read_group_by_warehouse_id",
        "n20_product_qty_context_warehouse",
        "n21_product_qty_context_warehouse_id",
        "n24_product_read_is_storable",
        "n25_product_read_detailed_type",
        "n31_triage_bot_quant_create",
        "n32_triage_bot_warehouse_create",
    ):
        assert label in replayed
    assert not problems, f"{len(problems)} of {len(replayed)} exchanges differ:\n" + "\n".join(problems)
    # every exchange of the stock steps (17 has the extra logins n15b and n71b, and a fields_get in n19)
    assert len(replayed) == (50 if version == "17.0" else 41), replayed


def test_the_ops_more_scenario_is_the_state_the_stock_steps_leave(tmp_path: Path) -> None:
    """The demo's scenario seed (bridge + n01-n07) holds what a replay leaves: Reno DC with 40 units free."""
    for version in ("17.0", "18.0"):
        with SandboxServer(tmp_path / version, "community", version, scenario="ops-more") as server:
            assert server.app is not None
            em = server.app.emulator
            with em.state.lock:
                rows = em.call(
                    8,
                    "stock.quant",
                    "search_read",
                    [
                        [["product_id", "=", 2], ["location_id.usage", "=", "internal"]],
                        ["warehouse_id", "available_quantity"],
                    ],
                    {},
                )
            assert [(r["warehouse_id"], r["available_quantity"]) for r in rows] == [
                ([1, "My Company"], 92.0),
                ([2, "Reno DC"], 40.0),
            ]
