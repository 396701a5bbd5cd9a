"""`triage odoo check`, `triage odoo-sandbox` and `triage dispatch`: thin wrappers over tools.odoo.cli."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.app import App


def cmd_odoo_check(args: argparse.Namespace, app: App) -> int:
    from tools.odoo.cli import odoo_check

    return odoo_check(app.settings, as_json=args.json)


def cmd_odoo_sandbox(args: argparse.Namespace, app: App) -> int:
    from tools.odoo.cli import odoo_sandbox

    return odoo_sandbox(app.settings, port=args.port, edition=args.edition)


def cmd_dispatch(args: argparse.Namespace, app: App) -> int:
    from tools.odoo.cli import dispatch

    return dispatch(app.settings, app.engine, app.clock, once=args.once, on_outcome=app.count_dispatch)
