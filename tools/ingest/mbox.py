"""Split an mbox file into its messages (mboxo and mboxrd quoting), each with its own bytes."""

from __future__ import annotations

import re

from agents.text_patterns import HEADER_LINE

# A "From " separator line: "From sender@x Mon Mar  2 09:14:00 2026", "From - Mon Mar  2 ...".
_FROM_LINE = re.compile(rb"^From \S*")
_HAS_TIME = re.compile(rb"\d{1,2}:\d{2}")
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)


def _is_separator(lines: list[bytes], i: int) -> bool:
    line = lines[i]
    if not _FROM_LINE.match(line):
        return False
    if i > 0 and lines[i - 1].strip():  # a separator follows a blank line (or starts the file)
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else b""
    return bool(_HAS_TIME.search(line) or HEADER_LINE.match(nxt))


def is_mbox(data: bytes) -> bool:
    lines = data.lstrip(b"\r\n")[:4096].split(b"\n", 2)
    return bool(lines) and _is_separator(lines, 0)


def split_mbox(data: bytes) -> list[bytes]:
    """Messages of an mbox, without their "From " lines and with ">From " unquoted.

    Bytes before the first separator (none in a well-formed file) form a message of their own, so
    nothing is dropped silently; a file with no separator at all is one message.
    """
    lines = data.split(b"\n")
    starts = [i for i in range(len(lines)) if _is_separator(lines, i)]
    if not starts:
        return [data]
    chunks: list[bytes] = []
    preamble = b"\n".join(lines[: starts[0]])
    if preamble.strip():
        chunks.append(preamble)
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = b"\n".join(lines[start + 1 : end])
        if body.endswith(b"\n"):  # the blank line mbox puts before the next separator
            body = body[:-1]
        chunks.append(_QUOTED_FROM.sub(rb"\1", body))
    return chunks
