"""What a message says: the lead's own words, any answers typed inside our quoted request,
the status per action, and whether the commentary looks like personal data."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import InboundMessage, read_message
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.text import split_reply
from scheduler.domain.replies.updates import (
    InlineAnswer,
    ReplyContent,
    parse_updates,
    recover_inline_answers,
    render_answers,
)


@dataclass(frozen=True)
class MessageReading:
    """Everything the pure core understands about one message, for the service and the CLI."""

    message: InboundMessage
    reply_text: str
    inline_answers: tuple[InlineAnswer, ...]
    content: ReplyContent
    personal_data: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The shape `csp inbox parse --json` prints (a JSON-ready dict)."""
        return {
            "classification": self.message.classification.value,
            "token": self.message.token,
            "updates": [
                {"ref": u.ref, "status": u.status.value, "text": u.text}
                for u in self.content.updates
            ],
            "unstructured_text": self.content.unstructured_text,
            "problems": [*self.message.problems, *self.content.problems],
        }


def understand_message(
    raw: bytes, *, sent_text: str | None = None, known_refs: Collection[str] = ()
) -> MessageReading:
    """Read, classify and parse a message. Automatic replies and bounces yield no updates."""
    return understand_read(read_message(raw), sent_text=sent_text, known_refs=known_refs)


def understand_read(
    message: InboundMessage, *, sent_text: str | None = None, known_refs: Collection[str] = ()
) -> MessageReading:
    """`understand_message` for a message already read (so it is parsed only once)."""
    if message.classification in (MessageClass.AUTO_REPLY, MessageClass.BOUNCE):
        empty = ReplyContent((), None, ())
        return MessageReading(message, "", (), empty, ())
    split = split_reply(message.text_body, sent_text=sent_text)
    answers = recover_inline_answers(message.text_body, sent_text, split=split) if sent_text else ()
    own = split.top_text if answers else split.own_text
    text = "\n".join(part for part in (own, render_answers(answers)) if part)
    content = parse_updates(text, known_refs)
    commentary = "\n".join([u.text for u in content.updates] + [content.unstructured_text or ""])
    return MessageReading(message, own, answers, content, find_personal_data(commentary))
