"""Content blocks, block deltas and the message object of the Anthropic Messages API.

Every class keeps the keys it does not model in ``extra`` (received order), so
nothing a server sends is lost, and ``to_dict()`` writes them back after the
known keys.  Unknown block and delta types become :class:`UnknownBlock` and
:class:`UnknownDelta`, which keep everything but ``type`` in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from .._jsonevent import Fields, ShapeError, copy_json, with_extra

__all__ = [
    "CitationsDelta",
    "ContentBlock",
    "Delta",
    "InputJSONDelta",
    "Message",
    "RedactedThinkingBlock",
    "ServerToolUseBlock",
    "SignatureDelta",
    "TextBlock",
    "TextDelta",
    "ThinkingBlock",
    "ThinkingDelta",
    "ToolUseBlock",
    "UnknownBlock",
    "UnknownDelta",
    "parse_block",
    "parse_delta",
    "parse_message",
]


# -- content blocks ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A ``text`` content block: ``text`` (``""`` at ``content_block_start``)."""

    type: ClassVar[str] = "text"
    text: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "text": self.text}, self.extra)


@dataclass(frozen=True, slots=True)
class ToolUseBlock:
    """A client ``tool_use`` block: the call's ``id``, tool ``name`` and ``input`` object.

    At ``content_block_start`` the input is ``{}``; it arrives as
    ``input_json_delta`` fragments, which :class:`MessageAccumulator` joins and parses.
    """

    type: ClassVar[str] = "tool_use"
    id: str
    name: str
    input: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        known = {"type": self.type, "id": self.id, "name": self.name}
        known["input"] = copy_json(dict(self.input))
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class ServerToolUseBlock:
    """A ``server_tool_use`` block: a tool the API runs itself (web search, tool search…).

    Same shape as :class:`ToolUseBlock`.
    """

    type: ClassVar[str] = "server_tool_use"
    id: str
    name: str
    input: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        known = {"type": self.type, "id": self.id, "name": self.name}
        known["input"] = copy_json(dict(self.input))
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class ThinkingBlock:
    """An extended-thinking block: ``thinking`` text and its ``signature``.

    ``signature`` is ``None`` when the block carried none (it then comes as a
    ``signature_delta``); ``to_dict()`` omits it then.
    """

    type: ClassVar[str] = "thinking"
    thinking: str
    signature: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        known: dict[str, Any] = {"type": self.type, "thinking": self.thinking}
        if self.signature is not None:
            known["signature"] = self.signature
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class RedactedThinkingBlock:
    """A ``redacted_thinking`` block: encrypted thinking in ``data``, sent whole."""

    type: ClassVar[str] = "redacted_thinking"
    data: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "data": self.data}, self.extra)


@dataclass(frozen=True, slots=True)
class UnknownBlock:
    """A block of a type this version does not model (``web_search_tool_result``…).

    ``type`` is its type; every other key is kept in ``extra``.
    """

    type: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the block as a JSON object (a new dict)."""
        return with_extra({"type": self.type}, self.extra)


ContentBlock: TypeAlias = (
    TextBlock
    | ToolUseBlock
    | ServerToolUseBlock
    | ThinkingBlock
    | RedactedThinkingBlock
    | UnknownBlock
)


def parse_block(obj: Mapping[str, Any], where: str) -> ContentBlock:
    """Build a content block from its JSON object; raises ``ShapeError`` on a wrong shape."""
    f = Fields(obj, where)
    block_type = f.string("type")
    if block_type == "text":
        return TextBlock(f.string("text"), f.rest())
    if block_type in ("tool_use", "server_tool_use"):
        cls = ToolUseBlock if block_type == "tool_use" else ServerToolUseBlock
        return cls(f.string("id"), f.string("name"), f.obj("input"), f.rest())
    if block_type == "thinking":
        return ThinkingBlock(f.string("thinking"), f.opt_string("signature"), f.rest())
    if block_type == "redacted_thinking":
        return RedactedThinkingBlock(f.string("data"), f.rest())
    return UnknownBlock(block_type, f.rest())


# -- deltas -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    """``text_delta``: the next piece of a text block."""

    type: ClassVar[str] = "text_delta"
    text: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "text": self.text}, self.extra)


@dataclass(frozen=True, slots=True)
class InputJSONDelta:
    """``input_json_delta``: a fragment of a tool block's input JSON text.

    Fragments are not JSON on their own; only their concatenation is.
    """

    type: ClassVar[str] = "input_json_delta"
    partial_json: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "partial_json": self.partial_json}, self.extra)


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """``thinking_delta``: the next piece of a thinking block's text."""

    type: ClassVar[str] = "thinking_delta"
    thinking: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "thinking": self.thinking}, self.extra)


@dataclass(frozen=True, slots=True)
class SignatureDelta:
    """``signature_delta``: the signature of a thinking block, sent just before it stops."""

    type: ClassVar[str] = "signature_delta"
    signature: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        return with_extra({"type": self.type, "signature": self.signature}, self.extra)


@dataclass(frozen=True, slots=True)
class CitationsDelta:
    """``citations_delta``: one citation object to append to a text block's ``citations``."""

    type: ClassVar[str] = "citations_delta"
    citation: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        known = {"type": self.type, "citation": copy_json(dict(self.citation))}
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class UnknownDelta:
    """A delta of a type this version does not model; all but ``type`` is in ``extra``."""

    type: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the delta as a JSON object (a new dict)."""
        return with_extra({"type": self.type}, self.extra)


Delta: TypeAlias = (
    TextDelta | InputJSONDelta | ThinkingDelta | SignatureDelta | CitationsDelta | UnknownDelta
)


def parse_delta(obj: Mapping[str, Any], where: str) -> Delta:
    """Build a block delta from its JSON object; raises ``ShapeError`` on a wrong shape."""
    f = Fields(obj, where)
    delta_type = f.string("type")
    if delta_type == "text_delta":
        return TextDelta(f.string("text"), f.rest())
    if delta_type == "input_json_delta":
        return InputJSONDelta(f.string("partial_json"), f.rest())
    if delta_type == "thinking_delta":
        return ThinkingDelta(f.string("thinking"), f.rest())
    if delta_type == "signature_delta":
        return SignatureDelta(f.string("signature"), f.rest())
    if delta_type == "citations_delta":
        return CitationsDelta(f.obj("citation"), f.rest())
    return UnknownDelta(delta_type, f.rest())


# -- the message ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    """An Anthropic message: the one ``message_start`` opens, or the one accumulated.

    ``content`` holds the blocks in index order (empty at ``message_start``),
    ``stop_reason`` / ``stop_sequence`` are ``None`` until ``message_delta`` sets
    them, and ``usage`` is the usage object (token counts and the rest, as sent).
    """

    type: ClassVar[str] = "message"
    id: str
    model: str
    role: str = "assistant"
    content: tuple[ContentBlock, ...] = ()
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the message as a JSON object (a new dict), in the API's key order."""
        known: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "role": self.role,
            "model": self.model,
            "content": [block.to_dict() for block in self.content],
            "stop_reason": self.stop_reason,
            "stop_sequence": self.stop_sequence,
            "usage": copy_json(dict(self.usage)),
        }
        return with_extra(known, self.extra)

    @property
    def text(self) -> str:
        """The text of all text blocks, joined in order."""
        return "".join(b.text for b in self.content if isinstance(b, TextBlock))


def parse_message(obj: Mapping[str, Any], where: str) -> Message:
    """Build a :class:`Message` from its JSON object; raises ``ShapeError`` on a wrong shape."""
    f = Fields(obj, where)
    if f.opt_string("type") not in (None, "message"):
        raise ShapeError(f'{where}: "type" must be "message"')
    message_id = f.string("id")
    model = f.string("model")
    role = f.string("role")
    blocks = []
    for i, item in enumerate(f.array("content")):
        if not isinstance(item, dict):
            raise ShapeError(f"{where}.content[{i}] must be an object, not {type(item).__name__}")
        blocks.append(parse_block(item, f"{where}.content[{i}]"))
    content = tuple(blocks)
    stop_reason = f.opt_string("stop_reason")
    stop_sequence = f.opt_string("stop_sequence")
    usage = f.opt_obj("usage") or {}
    return Message(message_id, model, role, content, stop_reason, stop_sequence, usage, f.rest())
