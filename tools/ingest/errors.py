"""The one error type of ingestion: a machine code plus a sentence a person can act on."""

from __future__ import annotations

from typing import Final

EMPTY: Final = "empty"  # nothing to parse (0 bytes, only whitespace, an empty list or mbox)
TOO_LARGE: Final = "too_large"  # over the configured byte limit; refused before parsing
NOT_JSON: Final = "not_json"  # a portal input that is not valid JSON
SCHEMA: Final = "schema"  # valid JSON that does not follow docs/PORTAL_SCHEMA.md
UNREADABLE: Final = "unreadable"  # a known format (PDF, DOCX ...) that is corrupt or encrypted
BAD_MIME: Final = "bad_mime"  # an e-mail whose MIME structure is broken or truncated
UNSUPPORTED_TYPE: Final = "unsupported_type"  # a file type no parser handles
NO_TEXT: Final = "no_text"  # parsed, but there is no text to triage (e.g. a scanned PDF)
BINARY: Final = "binary"  # binary data that is neither text nor a known format
PARSER_CRASH: Final = "parser_crash"  # a parser raised something unexpected: a bug, the input is kept
UNSTORABLE: Final = "unstorable_text"  # parsed, but the database cannot hold the text
STORE_CONFLICT: Final = "store_conflict"  # could not be stored as a case nor matched as a duplicate

CODES: Final = (
    EMPTY, TOO_LARGE, NOT_JSON, SCHEMA, UNREADABLE, BAD_MIME, UNSUPPORTED_TYPE, NO_TEXT, BINARY,
    PARSER_CRASH, UNSTORABLE, STORE_CONFLICT,
)


class IngestError(Exception):
    """Why an input could not become an `InboundMessage`.

    `code` is stable and machine-readable (see `CODES`); `detail` names the input and what was
    wrong with it (file name, JSON key, MIME part) so a person can fix and replay it.
    """

    code: str
    detail: str

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)  # both in args, so the error pickles and logs whole
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def parser_crash(source: str, exc: BaseException) -> IngestError:
    """The error for a parser that failed unexpectedly: the one catch-all of ingestion (a bug, not bad
    input we know); the message names the input and the exception type, never its text."""
    return IngestError(PARSER_CRASH, f"{source}: the parser failed ({type(exc).__name__}); kept for replay")
