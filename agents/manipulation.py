"""What the reasoner may read of a message with manipulation spans: the same message with those spans
blanked (spaces of the same length, newlines kept), so reference offsets stay valid."""

from __future__ import annotations

from collections.abc import Sequence

from agents.state import ManipulationSpan, RedactedMessage


def _blank(text: str, spans: Sequence[ManipulationSpan]) -> str:
    chars = list(text)
    for s in spans:
        for i in range(max(s.start, 0), min(s.end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def without_manipulation(message: RedactedMessage, spans: Sequence[ManipulationSpan]) -> RedactedMessage:
    """`message` with every manipulation span blanked out of the field it was found in."""
    if not spans:
        return message
    by_field = {(s.field, s.index): [x for x in spans if (x.field, x.index) == (s.field, s.index)] for s in spans}
    subject = message.subject
    body = message.body
    thread = list(message.thread)
    attachments = list(message.attachments)
    for (name, index), group in by_field.items():
        if name == "subject" and subject is not None:
            subject = _blank(subject, group)
        elif name == "body":
            body = _blank(body, group)
        elif name == "thread" and index < len(thread):
            thread[index] = _blank(thread[index], group)
        elif name == "attachment" and index < len(attachments) and attachments[index].text:
            a = attachments[index]
            attachments[index] = a.model_copy(update={"text": _blank(a.text or "", group)})
    return message.model_copy(update={"subject": subject, "body": body, "thread": thread, "attachments": attachments})
