"""HTML e-mail bodies to readable plain text (BeautifulSoup over lxml)."""

from __future__ import annotations

import logging
import re
import warnings

from bs4 import BeautifulSoup, Comment, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import Declaration, Doctype, ProcessingInstruction

log = logging.getLogger(__name__)

_DROP = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe", "meta", "link"}
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "aside",
        "nav",
        "form",
        "fieldset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "address",
        "center",
        "figure",
        "figcaption",
        "hr",
    }
)
_PARAGRAPH_LIKE = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"})
_CELL = frozenset({"td", "th"})
_LINE = "\x1e"  # soft line break: any run of them is one newline
_PARA = "\x1f"  # paragraph break: a run of breaks holding one is a blank line
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b\x1e\x1f]+")
_BREAK_RUN = re.compile(r"[ \x1e\x1f]*[\x1e\x1f][ \x1e\x1f\n]*")
_MAX_DEPTH = 150


def html_to_text(html: str) -> str:
    """Readable text of an HTML document: no script/style, a line per paragraph, row and <br>.

    Table cells are separated by " | "; <blockquote> lines are prefixed with "> " so quoted replies
    can be told apart from the newest message.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", UserWarning)  # "looks like a filename/URL" hints from bs4
        soup = BeautifulSoup(html, "lxml")
    root = soup.body or soup
    out: list[str] = []
    try:
        _render(root, out, 0)
        text = "".join(out)
    except RecursionError:
        log.debug("HTML nested too deeply to render structurally; flattening it")
        text = root.get_text(_LINE)
    return _tidy(text)


def _render(node: Tag, out: list[str], depth: int) -> None:
    for child in node.children:
        if isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            out.append(_WS.sub(" ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        name = (child.name or "").lower()
        if name in _DROP:
            continue
        if depth > _MAX_DEPTH:
            out.append(_WS.sub(" ", child.get_text(" ")))
        elif name == "br":
            out.append("\n")
        elif name == "pre":
            out.append(_PARA + child.get_text().replace("\r", "").replace(_LINE, "").replace(_PARA, "") + _PARA)
        elif name == "blockquote":
            inner: list[str] = []
            _render(child, inner, depth + 1)
            quoted = _tidy("".join(inner))
            out.append(_PARA + "\n".join("> " + line if line else ">" for line in quoted.split("\n")) + _PARA)
        elif name == "tr":
            out.append(_LINE)
            _render(child, out, depth + 1)
            out.append(_LINE)
        elif name in _CELL:
            cell: list[str] = []
            _render(child, cell, depth + 1)
            text = "".join(cell)
            # A label cell ("Tracking Number:") reads as one line with its value; other cells get " | ".
            out.append(text + (" " if text.rstrip().endswith(":") else " | "))
        elif name == "li":
            out.append(_LINE + "- ")
            _render(child, out, depth + 1)
            out.append(_LINE)
        elif name == "img":
            alt = child.get("alt")
            if isinstance(alt, str) and alt.strip():
                out.append(f"[{alt.strip()}]")
        elif name in _BLOCK:
            brk = _PARA if name in _PARAGRAPH_LIKE else _LINE
            out.append(brk)
            _render(child, out, depth + 1)
            out.append(brk)
        else:
            _render(child, out, depth + 1)


def _break(match: re.Match[str]) -> str:
    run = match.group(0)
    return "\n\n" if _PARA in run or run.count("\n") > 1 else "\n"


def _tidy(text: str) -> str:
    text = _BREAK_RUN.sub(_break, text)
    lines = []
    for raw_line in text.split("\n"):
        line = raw_line.strip(" ")
        if line.endswith(" |"):  # the separator after a row's last cell
            line = line[:-2].rstrip()
        elif line == "|":
            line = ""
        lines.append(line)
    cleaned = "\n".join(lines)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip("\n")
