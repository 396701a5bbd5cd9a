"""Where raw inputs come from: a file, a folder (recursively) or stdin."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tools.ingest import detect
from tools.ingest.model import RawInput

log = logging.getLogger(__name__)

STDIN_SOURCE = "stdin"


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _raw_file(path: Path) -> RawInput | None:
    try:
        data = path.read_bytes()
    except OSError as exc:  # vanished or unreadable between listing and reading: say so, keep going
        log.error("cannot read %s (%s); it is not ingested", path, exc)
        return None
    suffix = path.suffix.lower()
    # An unknown suffix gives None (quarantined as unsupported, never skipped); extension-less
    # files (Maildir) are sniffed.
    hint = detect.channel_for_suffix(suffix) if suffix else detect.sniff_channel(data)
    return RawInput(source=str(path), data=data, channel_hint=hint)


def read_inputs(path: Path | None, *, stdin: BinaryIO | None = None) -> Iterator[RawInput]:
    """Raw inputs to parse, in a stable order.

    - a file: that file;
    - a folder: every file under it, recursively, sorted by path; the channel follows the file
      type (.eml/.mbox e-mail, .json/.jsonl portal, .pdf/.docx/.txt document); other types come
      with `channel_hint=None` so they are quarantined rather than skipped; hidden files and
      folders (".git", ".DS_Store") are skipped;
    - None or "-": all of stdin (or `stdin`), its channel sniffed from the bytes.
    A path that does not exist raises FileNotFoundError: that is the caller's mistake, not input.
    A file that cannot be read (removed or locked meanwhile) is logged as an error and passed over.
    """
    if path is None or str(path) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read()
        yield RawInput(source=STDIN_SOURCE, data=data, channel_hint=detect.sniff_channel(data) if data else None)
        return
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _is_hidden(p, path))
        log.info("reading %d file(s) under %s", len(files), path)
        for file in files:
            raw = _raw_file(file)
            if raw is not None:
                yield raw
        return
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    raw = _raw_file(path)
    if raw is not None:
        yield raw
