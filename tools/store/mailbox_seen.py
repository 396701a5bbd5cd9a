"""What the mailbox reader has ingested: one row per IMAP message, by (mailbox, UIDVALIDITY, UID).

Written right after the message's case, duplicate or quarantine entry is committed and before the
message is flagged on the server. A crash before this row is written makes the next poll fetch the
message again, and the store's Message-ID dedupe makes it a duplicate (no second case); a crash after
it, before the flag, makes the next poll only flag it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, insert, select
from sqlalchemy.exc import IntegrityError

from tools.store import schema as t


class MailboxSeen:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def seen(self, mailbox: str, uidvalidity: str, uid: str) -> bool:
        s = t.mailbox_seen.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.id).where(and_(s.mailbox == mailbox, s.uidvalidity == uidvalidity, s.uid == uid))
            ).first()
        return row is not None

    def record(
        self,
        mailbox: str,
        uidvalidity: str,
        uid: str,
        message_id: str | None,
        outcome: str,
        ref_id: str | None,
        now: datetime,
    ) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t.mailbox_seen),
                    {
                        "mailbox": mailbox,
                        "uidvalidity": uidvalidity,
                        "uid": uid,
                        "message_id": message_id,
                        "outcome": outcome,
                        "ref_id": ref_id,
                        "created_at": now,
                    },
                )
        except IntegrityError:
            pass  # a second reader recorded it first: the same fact

    def count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(t.mailbox_seen.c.id)).all())
