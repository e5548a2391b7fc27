"""Type stub of the compiled decoder: the same API as ``sse_codec._decoder.SSEDecoder``."""

from collections.abc import Callable

from ._event import Comment, ServerSentEvent

class SSEDecoder:
    retry: int | None
    dispatch_on_close: bool
    on_comment: Callable[[str], object] | None
    def __init__(
        self,
        *,
        max_line_size: int | None = ...,
        max_event_size: int | None = ...,
        dispatch_on_close: bool = False,
        on_comment: Callable[[str], object] | None = None,
        last_event_id: str = "",
    ) -> None: ...
    @property
    def max_line_size(self) -> int | None: ...
    @max_line_size.setter
    def max_line_size(self, value: int | None) -> None: ...
    @property
    def max_event_size(self) -> int | None: ...
    @max_event_size.setter
    def max_event_size(self, value: int | None) -> None: ...
    @property
    def last_event_id(self) -> str: ...
    @last_event_id.setter
    def last_event_id(self, value: str) -> None: ...
    def feed(self, data: bytes | bytearray | memoryview, /) -> list[ServerSentEvent]: ...
    def feed_items(
        self, data: bytes | bytearray | memoryview, /
    ) -> list[ServerSentEvent | Comment]: ...
    def close(self) -> list[ServerSentEvent]: ...
    def close_items(self) -> list[ServerSentEvent | Comment]: ...
