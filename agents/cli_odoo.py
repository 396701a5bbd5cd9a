"""`triage odoo check`, `triage odoo-sandbox` and `triage dispatch`: thin wrappers over tools.odoo.cli."""

from __future__ import annotations

import argparse

from agents.settings import Settings


def cmd_odoo_check(args: argparse.Namespace, settings: Settings) -> int:
    from tools.odoo.cli import odoo_check

    return odoo_check(settings, as_json=args.json)


def cmd_odoo_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from tools.odoo.cli import odoo_sandbox

    return odoo_sandbox(settings, port=args.port, edition=args.edition)


def cmd_dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from tools.odoo.cli import dispatch

    return dispatch(settings, once=args.once)
