"""A request body above the size limit is refused with 413 before it is read.

A client that sends a body far larger than any valid request (a hundred thousand instances, say) would otherwise
keep the server reading and parsing what it refuses anyway, while every other client waits. A body that declares
its length is refused from its headers alone; one sent in chunks is cut off as soon as it passes the limit.
Starlette's own limit answers a declared length with plain text; this one answers as every other error does.
"""

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised while the app reads a chunked body that passes the limit; `BodyLimit` answers it with the 413.

    Not an HTTPException, which the app's own handlers would answer: it passes through them to the middleware,
    so that both refusals, from the declared length or while reading, are the same response.
    """


class BodyLimit:
    """ASGI middleware: at most `max_bytes` of body per request; `refusal` is the 413 it answers with."""

    def __init__(self, app: ASGIApp, max_bytes: int, refusal: Callable[[], Response]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.refusal()(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_within_limit, send)
        except BodyTooLarge:  # raised while the app read the body, before it answered
            await self.refusal()(scope, receive, send)
