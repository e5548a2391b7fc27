"""Value types for ``chat.completion.chunk`` payloads.

Every type keeps the keys it does not name in ``extra`` and remembers the order
and presence of the keys it was parsed from (``key_order``), so ``to_dict()``
gives back exactly the JSON object that was received: same keys, absent stays
absent, ``null`` stays ``null``.  Objects built by hand get the key order
OpenAI itself writes, with ``None`` fields left out except where OpenAI always
writes them (for example ``finish_reason`` and ``logprobs`` on a choice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

__all__ = [
    "ChatCompletionChunk",
    "ChoiceDelta",
    "ChunkChoice",
    "CompletionTokensDetails",
    "FunctionDelta",
    "PromptTokensDetails",
    "ToolCallDelta",
    "Usage",
]


class _NullTuple(tuple[Any, ...]):
    """An empty tuple that remembers it was JSON ``null`` (``"choices": null``)."""

    __slots__ = ()


# A parsed ``"choices": null``: iterates and compares like ``()``, writes back as null.
NULL_CHOICES: tuple[Any, ...] = _NullTuple()


def _json_value(value: Any) -> Any:
    if isinstance(value, _JSONObject):
        return value.to_dict()
    if isinstance(value, tuple):
        if type(value) is _NullTuple:
            return None
        return [_json_value(v) for v in value]
    return value


# The fields every type has besides its JSON keys, computed for a parsed object too.
_DERIVED = frozenset(("extra", "key_order"))


def _split(source: dict[str, Any], fields: frozenset[str]) -> Mapping[str, Any]:
    """The keys of ``source`` that are not ``fields``, in order (``{}`` when none)."""
    if source.keys() <= fields:
        return {}
    return {k: v for k, v in source.items() if k not in fields}


class _JSONObject:
    """Shared ``to_dict``/key-order logic for the payload value types."""

    __slots__ = ()

    # JSON key names that are dataclass fields, in OpenAI's own order.  Subclasses
    # assign these without annotations so that dataclass() does not see them at all.
    _FIELDS: ClassVar[tuple[str, ...]] = ()
    # Fields a hand-built object writes even when None (OpenAI always sends them).
    _ALWAYS: ClassVar[frozenset[str]] = frozenset()
    # _FIELDS as a set, for membership tests in to_dict (set by __init_subclass__).
    _FIELD_SET: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._FIELD_SET = frozenset(cls._FIELDS)
        cls._DERIVE = {
            "extra": lambda source: _split(source, cls._FIELD_SET),
            "key_order": tuple,
        }

    # How a parsed object computes each field from its JSON object on first read
    # (set below the classes); a field not named here is ``source.get(name)``.
    _DERIVE: ClassVar[dict[str, Callable[[dict[str, Any]], Any]]] = {}

    extra: Mapping[str, Any]
    key_order: tuple[str, ...] | None
    _source: dict[str, Any] | None

    if not TYPE_CHECKING:  # for mypy, only the declared fields exist

        def __getattr__(self, name: str) -> Any:
            # Python calls this only for a slot never set: a parsed object (a view
            # made by ``_view``) computes the field from its JSON object the first
            # time it is read and keeps it, so later reads are plain slot reads.
            source = object.__getattribute__(self, "_source")
            if source is None or (name not in self._FIELD_SET and name not in _DERIVED):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            derive = self._DERIVE.get(name)
            value = source.get(name) if derive is None else derive(source)
            object.__setattr__(self, name, value)
            return value

    def _init_keys(self) -> None:
        fields = self._FIELDS
        extra = self.extra
        if extra and not extra.keys().isdisjoint(fields):
            clash = sorted(set(extra).intersection(fields))
            raise ValueError(f"extra repeats field names {clash}; set the fields instead")
        if self.key_order is None:
            always = self._ALWAYS
            order = [k for k in fields if k in always or getattr(self, k) is not None]
            order.extend(extra)
            object.__setattr__(self, "key_order", tuple(order))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object this value stands for (``extra`` values are shared, not copied).

        Keys appear in ``key_order``; a field set to a non-None value that is not
        in ``key_order`` (after ``dataclasses.replace``) is appended.  Never raises.
        """
        out: dict[str, Any] = {}
        fields = self._FIELD_SET
        extra = self.extra
        for key in self.key_order or ():
            if key in fields:
                out[key] = _json_value(getattr(self, key))
            elif key in extra:
                out[key] = extra[key]
        if len(out) != len(fields) + len(extra):
            for key in self._FIELDS:
                if key not in out:
                    value = getattr(self, key)
                    # () is the "absent" value of tuple fields (choices).
                    if value is not None and value != ():
                        out[key] = _json_value(value)
            for key, value in extra.items():
                if key not in out:
                    out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class FunctionDelta(_JSONObject):
    """A fragment of a function call: ``name`` (usually sent once) and ``arguments`` (a piece of
    the JSON arguments text).  Used for ``tool_calls[].function`` and the legacy
    ``delta.function_call``.  Construction raises ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = ("name", "arguments")

    name: str | None = None
    arguments: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class ToolCallDelta(_JSONObject):
    """A fragment of one tool call in ``delta.tool_calls``.

    ``index`` says which call it continues (``None`` when the server omits it, as
    Mistral does); ``id``, ``type`` and ``function.name`` usually come with the
    first fragment only.  Construction raises ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = ("index", "id", "type", "function")

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: FunctionDelta | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class ChoiceDelta(_JSONObject):
    """What one chunk adds to one choice.

    ``content`` is a text fragment, or a list of content parts as Mistral's
    magistral models send (``{"type": "text", ...}``, ``{"type": "thinking", ...}``),
    kept as received.  ``reasoning_content`` (DeepSeek) and ``reasoning``
    (OpenRouter, Groq, vLLM) both carry reasoning text and are kept apart.
    ``tool_calls`` is a tuple of :class:`ToolCallDelta`; ``function_call`` is the
    legacy single-function form.  Construction raises ``ValueError`` if ``extra``
    repeats a field.
    """

    _FIELDS = (
        "role",
        "content",
        "reasoning_content",
        "reasoning",
        "refusal",
        "function_call",
        "tool_calls",
    )

    role: str | None = None
    content: str | list[Any] | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    refusal: str | None = None
    function_call: FunctionDelta | None = None
    tool_calls: tuple[ToolCallDelta, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class ChunkChoice(_JSONObject):
    """One entry of a chunk's ``choices``: ``index``, ``delta``, ``finish_reason`` and
    ``logprobs`` (kept as the raw JSON value).  ``index`` or ``delta`` is ``None``
    when the server left it out.  Construction raises ``ValueError`` if ``extra``
    repeats a field.
    """

    _FIELDS = ("index", "delta", "logprobs", "finish_reason")
    _ALWAYS = frozenset(("index", "delta", "logprobs", "finish_reason"))

    index: int | None = 0
    delta: ChoiceDelta | None = field(default_factory=ChoiceDelta)
    logprobs: Any = None
    finish_reason: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class PromptTokensDetails(_JSONObject):
    """``usage.prompt_tokens_details``: ``cached_tokens`` and ``audio_tokens``.
    Construction raises ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = ("cached_tokens", "audio_tokens")

    cached_tokens: int | None = None
    audio_tokens: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class CompletionTokensDetails(_JSONObject):
    """``usage.completion_tokens_details``: reasoning, audio and predicted-output token counts.
    Construction raises ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = (
        "reasoning_tokens",
        "audio_tokens",
        "accepted_prediction_tokens",
        "rejected_prediction_tokens",
    )

    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


@dataclass(frozen=True, slots=True)
class Usage(_JSONObject):
    """Token counts of a completion.  Provider additions (DeepSeek's cache counters,
    OpenRouter's ``cost``, Groq's timings) are in ``extra``.  Construction raises
    ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    )

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()


CHAT_COMPLETION_CHUNK = "chat.completion.chunk"


@dataclass(frozen=True, slots=True)
class ChatCompletionChunk(_JSONObject):
    """One streamed payload of an OpenAI-style chat completion.

    Any JSON object the stream sends is parsed into this type, also payloads whose
    ``object`` is not ``"chat.completion.chunk"`` (Azure's prompt-filter payload has
    ``object: ""`` and its results in ``extra["prompt_filter_results"]``); check
    :attr:`is_chat_chunk`.  ``choices`` may be empty (usage chunks, filter results).
    ``usage`` is set on the chunk that reports token counts.  Keys this type does
    not name (``obfuscation``, ``provider``, ``x_groq``, ``moderation``...) are in
    ``extra``, and ``to_dict()`` returns the object exactly as received.
    Construction raises ``ValueError`` if ``extra`` repeats a field.
    """

    _FIELDS = (
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
    )
    _ALWAYS = frozenset(("id", "object", "created", "model", "choices"))

    id: str | None = None
    object: str | None = CHAT_COMPLETION_CHUNK
    created: int | None = None
    model: str | None = None
    service_tier: str | None = None
    system_fingerprint: str | None = None
    choices: tuple[ChunkChoice, ...] = ()
    usage: Usage | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._init_keys()

    @property
    def is_chat_chunk(self) -> bool:
        """True when ``object`` is ``"chat.completion.chunk"``."""
        return self.object == CHAT_COMPLETION_CHUNK


# -- parsed objects: views over their JSON object ------------------------------------
#
# A parsed object starts as an instance with only ``_source`` set (the JSON object
# it was parsed from, already checked by ``_parse``); each field is computed from
# it on first read (see ``_JSONObject.__getattr__``).  Nested objects are views too,
# so a chunk whose ``choices`` nobody reads never builds a ``ChunkChoice``.

_O = TypeVar("_O", bound=_JSONObject)


_NEW = object.__new__
# Each class's own setter of its ``_source`` slot: it skips the frozen dataclass's
# __setattr__ (filled below, once the classes exist).
_SET_SOURCE: dict[type, Callable[[Any, dict[str, Any]], None]] = {}


def view(cls: type[_O], source: dict[str, Any]) -> _O:
    """A parsed ``cls`` over the checked JSON object ``source`` (kept, not copied)."""
    obj = _NEW(cls)
    _SET_SOURCE[cls](obj, source)
    return obj


def _nested(key: str, cls: type[_JSONObject]) -> Callable[[dict[str, Any]], Any]:
    def derive(source: dict[str, Any]) -> Any:
        value = source.get(key)
        return None if value is None else view(cls, value)

    return derive


def _nested_tuple(key: str, cls: type[_JSONObject]) -> Callable[[dict[str, Any]], Any]:
    def derive(source: dict[str, Any]) -> Any:
        value = source.get(key)
        return None if value is None else tuple([view(cls, item) for item in value])

    return derive


def _choices(source: dict[str, Any]) -> tuple[ChunkChoice, ...]:
    value = source.get("choices")
    if value is None:
        return NULL_CHOICES if "choices" in source else ()
    return tuple([view(ChunkChoice, item) for item in value])


ToolCallDelta._DERIVE["function"] = _nested("function", FunctionDelta)
ChoiceDelta._DERIVE["function_call"] = _nested("function_call", FunctionDelta)
ChoiceDelta._DERIVE["tool_calls"] = _nested_tuple("tool_calls", ToolCallDelta)
ChunkChoice._DERIVE["delta"] = _nested("delta", ChoiceDelta)
Usage._DERIVE["prompt_tokens_details"] = _nested("prompt_tokens_details", PromptTokensDetails)
Usage._DERIVE["completion_tokens_details"] = _nested(
    "completion_tokens_details", CompletionTokensDetails
)
ChatCompletionChunk._DERIVE["choices"] = _choices
ChatCompletionChunk._DERIVE["usage"] = _nested("usage", Usage)
for _cls in (
    FunctionDelta,
    ToolCallDelta,
    ChoiceDelta,
    ChunkChoice,
    PromptTokensDetails,
    CompletionTokensDetails,
    Usage,
    ChatCompletionChunk,
):
    _SET_SOURCE[_cls] = _cls.__dict__["_source"].__set__
