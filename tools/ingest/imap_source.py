"""An IMAP mailbox as a source of e-mails (imap-tools over the standard library's imaplib).

`TRIAGE_IMAP_URL` names the server and folder: `imaps://host:993/INBOX` (TLS) or `imap://host:143/INBOX`
(plain, or STARTTLS with `TRIAGE_IMAP_STARTTLS=1`; never silently downgraded). The user and the password come from
`TRIAGE_IMAP_USER` and `TRIAGE_IMAP_PASSWORD`. A processed message gets the keyword `$TriageProcessed`,
or is moved to `TRIAGE_IMAP_PROCESSED_FOLDER` when that is set. Messages are fetched with BODY.PEEK, so
the reader never changes the \\Seen flag a person may rely on, and exactly as stored (the raw bytes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

PROCESSED_KEYWORD = "$TriageProcessed"
_UID = re.compile(rb"UID (\d+)")


class ImapConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: bool
    folder: str
    user: str
    password: str
    processed_folder: str | None = None
    starttls: bool = False
    timeout_s: float = 30.0

    @classmethod
    def from_url(cls, url: str, user: str, password: str, **options: object) -> ImapConfig:
        parsed = urlparse(url)
        if parsed.scheme not in ("imap", "imaps") or not parsed.hostname:
            raise ImapConfigError("TRIAGE_IMAP_URL must look like imaps://host:993/INBOX or imap://host:143/INBOX")
        tls = parsed.scheme == "imaps"
        folder = unquote(parsed.path.lstrip("/")) or "INBOX"
        return cls(parsed.hostname, parsed.port or (993 if tls else 143), tls, folder, user, password, **options)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls) -> ImapConfig:
        url = os.environ.get("TRIAGE_IMAP_URL")
        if not url:
            raise ImapConfigError("TRIAGE_IMAP_URL is not set (e.g. imaps://mail.example.com:993/INBOX)")
        user, password = os.environ.get("TRIAGE_IMAP_USER"), os.environ.get("TRIAGE_IMAP_PASSWORD")
        if not user or password is None:
            raise ImapConfigError("TRIAGE_IMAP_USER and TRIAGE_IMAP_PASSWORD must be set")
        return cls.from_url(
            url,
            user,
            password,
            processed_folder=os.environ.get("TRIAGE_IMAP_PROCESSED_FOLDER") or None,
            starttls=os.environ.get("TRIAGE_IMAP_STARTTLS", "0") == "1",
        )

    @property
    def name(self) -> str:
        """The mailbox's identity in the store (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


class ImapMailbox:
    """One logged-in session on the configured folder."""

    def __init__(self, config: ImapConfig, box: BaseMailBox) -> None:
        self.config = config
        self.box = box
        self.name = config.name

    def uidvalidity(self) -> str:
        return str(self.box.folder.status(self.config.folder, ["UIDVALIDITY"])["UIDVALIDITY"])

    def pending_uids(self) -> list[str]:
        """UIDs of the messages not yet processed, oldest first."""
        uids = self.box.uids(f"UNKEYWORD {PROCESSED_KEYWORD}")
        return sorted(uids, key=int)

    def fetch(self, uid: str) -> bytes | None:
        """The message's bytes exactly as stored, without setting \\Seen; None if it is gone."""
        status, data = self.box.client.uid("FETCH", uid, "(UID BODY.PEEK[])")
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and _UID.search(item[0]) and _UID.search(item[0]).group(1).decode() == uid:  # type: ignore[union-attr]
                return bytes(item[1])
        return None

    def mark_processed(self, uid: str) -> None:
        folder = self.config.processed_folder
        if folder:
            if not self.box.folder.exists(folder):
                self.box.folder.create(folder)
            self.box.flag(uid, PROCESSED_KEYWORD, True)  # kept if the move is interrupted
            self.box.move(uid, folder)
        else:
            self.box.flag(uid, PROCESSED_KEYWORD, True)


@contextmanager
def open_imap(config: ImapConfig) -> Iterator[ImapMailbox]:
    box: BaseMailBox
    if config.tls:
        box = MailBox(config.host, config.port, timeout=config.timeout_s)
    elif config.starttls:
        box = MailBoxStartTls(config.host, config.port, timeout=config.timeout_s)
    else:
        box = MailBoxUnencrypted(config.host, config.port, timeout=config.timeout_s)
    box.login(config.user, config.password, initial_folder=config.folder)
    try:
        yield ImapMailbox(config, box)
    finally:
        with suppress(Exception):  # the connection already dropped: nothing to log out of
            box.logout()
