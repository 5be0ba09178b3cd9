"""Bad input answers 4xx naming the field, never 500: on the API as FastAPI's JSON 422 (``detail``, each
error with its ``loc``), on the pages as the error page in the user's language.

- a path id that cannot exist finds no route (``{name:id}``, see ``arrears.api.params``): 404;
- a query, form or body value its type refuses (an id, a date out of range, an amount): 422;
- a service's NotFound or refusal that an endpoint let through: 404 or 422 with its message;
- a NUL character anywhere in the query string, a form or a JSON body: 422, refused by ``NulGuard``
  before any endpoint runs, because PostgreSQL cannot store it in text and no person types it. A
  multipart form is scanned as it streams to the form parser (its files stay on disk, unbuffered):
  a NUL in a text field (a part without a file name) is refused the same way when the form is read;
  in a file it is data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arrears.kit.errors import ArrearsError, ConfigurationError, NotFound
from arrears.kit.inputs import FIRST_DAY, LAST_DAY, NUL, InvalidField, nul_field
from arrears.portal.deps import portal_page
from arrears.web.deps import BodyTooLarge, locale, page
from arrears.web.i18n import gettext
from arrears.web.labels import N_

_PLACES = {"body", "query", "path", "form", "header", "cookie"}
_TITLE = N_("Please check your input")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


PORTAL_PATHS = ("/my/", "/pay/")  # the cardholder's pages: their errors in the portal's layout


def error_page(request: Request, *, status_code: int, title: str, message: str) -> Response:
    """An error page (``title`` and ``message`` translated already): the portal's under /my and the
    gateway's checkout, the staff workspace's elsewhere."""
    path = request.url.path
    if path == "/my" or path.startswith(PORTAL_PATHS):
        return portal_page(request, "my/error.html", status_code=status_code, title=title, message=message)
    return page(request, "error.html", status_code=status_code, title=title, message=message)


def _refused_page(request: Request, message: str, *, status_code: int = 422) -> Response:
    return error_page(
        request, status_code=status_code, title=gettext(locale(request), _TITLE), message=message
    )


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "promise", "amount_fen")`` -> ``"promise.amount_fen"``."""
    return ".".join(str(part) for part in loc if part not in _PLACES) or "body"


def _is_date(error: Any) -> bool:
    """A date or time that could not be read or lies outside the dates any field takes."""
    return str(error["type"]).startswith(("date", "datetime")) or str(FIRST_DAY) in str(error["msg"])


def page_problem(lang: str, errors: list[Any]) -> str:
    """A page's refusal of query or form fields: each field named, a date's with the dates taken."""
    dated = {field_name(error["loc"]) for error in errors if _is_date(error)}
    dates = {"first": str(FIRST_DAY), "last": str(LAST_DAY)}
    fields = [
        gettext(lang, "%(field)s (a date from %(first)s to %(last)s)", field=name, **dates)
        if name in dated
        else name
        for name in dict.fromkeys(field_name(error["loc"]) for error in errors)
    ]
    return gettext(lang, "Please check these fields: %(fields)s", fields=", ".join(fields))


def echoable(value: Any) -> Any:
    """``value`` (decoded JSON) with what JSON cannot carry made text: a number that is not finite
    (NaN, Infinity, 1e999 as Python reads them) and a string that is not Unicode text (a lone
    surrogate), so that a refusal repeating the refused input never fails to be written."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {echoable(key): echoable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [echoable(item) for item in value]
    return value


def install(app: FastAPI) -> None:
    """The handlers and the NUL guard (add it before any middleware that must wrap its answers)."""
    app.add_middleware(NulGuard)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, problem: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": echoable(jsonable_encoder(problem.errors()))}, status_code=422)
        return _refused_page(request, page_problem(locale(request), list(problem.errors())))

    @app.exception_handler(InvalidField)
    async def invalid_field(request: Request, problem: InvalidField) -> Response:
        if _is_api(request):
            error = {"type": "value_error", "loc": ["body", problem.field], "msg": problem.message_en}
            return JSONResponse({"detail": [error]}, status_code=422)
        return _refused_page(request, problem.message(locale(request)))

    @app.exception_handler(NotFound)
    async def missing(request: Request, problem: NotFound) -> Response:
        """A service's NotFound that no endpoint turned into its answer (an id no row has)."""
        if _is_api(request):
            return JSONResponse({"detail": problem.message_en}, status_code=404)
        lang = locale(request)
        return error_page(request, status_code=404, title=gettext(lang, "Not found"),
                          message=problem.message(lang))  # fmt: skip

    @app.exception_handler(ArrearsError)
    async def refused(request: Request, problem: ArrearsError) -> Response:
        """A service's refusal that no endpoint turned into its answer: 422 with its message (a broken
        configuration stays a server error)."""
        if isinstance(problem, ConfigurationError):
            raise problem
        if _is_api(request):
            return JSONResponse({"detail": problem.message_en}, status_code=422)
        return _refused_page(request, problem.message(locale(request)))

    @app.exception_handler(NulInForm)
    async def nul_in_form(request: Request, problem: NulInForm) -> Response:
        return _nul_refusal(request, "body", problem.field)

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, problem: StarletteHTTPException) -> Response:
        if isinstance(problem.__cause__, BodyTooLarge):  # FastAPI's form parsing made it a 400
            return _too_large(request)
        if problem.status_code != 404 or _is_api(request):
            return await http_exception_handler(request, problem)
        lang = locale(request)
        return error_page(request, status_code=404, title=gettext(lang, "Not found"),
                          message=gettext(lang, "There is no such page."))  # fmt: skip


def _strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every key and string in a JSON document."""
    if isinstance(value, str):
        yield ".".join(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield ".".join((*path, key)), key
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


def _form_fields(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")


def body_nul_field(content_type: str, body: bytes) -> str | None:
    """The field of a form or JSON body holding a NUL character, or None."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return nul_field(_form_fields(body)) if b"%00" in body or b"\x00" in body else None
    if "json" in content_type and (b"\\u0000" in body or b"\x00" in body):
        try:
            document = json.loads(body)
        except ValueError:
            return "body" if b"\x00" in body else None
        return nul_field(_strings(document))
    return None


# signed webhooks read their exact body themselves and refuse a NUL with their own 400 (counted); the
# payment gateway's notifications too (the contract's plain-text ``fail``, recorded and audited)
SIGNED_PATHS = ("/api/v1/webhooks/", "/api/v1/payments/notify/")
# the most any request body may hold: a form or a JSON body (the API's batches included), and a
# multipart upload (each upload route bounds its own body far below: bounded_body)
BODY_BYTES, UPLOAD_BYTES = 8 * 1024 * 1024, 64 * 1024 * 1024


class NulGuard:
    """Refuses (422, naming the field) a request whose query string, form or JSON body holds a NUL
    character; the body is read once and passed on unchanged (not under ``SIGNED_PATHS``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SIGNED_PATHS):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        where, field = "query", nul_field(parse_qsl(query, keep_blank_values=True, errors="replace"))
        headers = Request(scope).headers
        content_type = headers.get("content-type", "")
        limit = UPLOAD_BYTES if content_type.startswith("multipart/form-data") else BODY_BYTES
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(Request(scope))(scope, receive, send)
            return
        receive = _capped(receive, limit)  # a body sent without its length (chunked) is counted
        if field is None and (
            content_type.startswith("application/x-www-form-urlencoded") or "json" in content_type
        ):
            try:
                body, receive = await _buffered(receive)
            except BodyTooLarge:
                await _too_large(Request(scope))(scope, receive, send)
                return
            where, field = "body", body_nul_field(content_type, body)
        if field is None:
            if content_type.startswith("multipart/form-data"):
                receive = _scanned(receive, content_type)
            await self.app(scope, receive, send)
            return
        response = _nul_refusal(Request(scope, receive), where, field)
        await response(scope, receive, send)


def _nul_refusal(request: Request, where: str, field: str) -> Response:
    shown = field.replace(NUL, "\\x00")
    if _is_api(request):
        error = {
            "type": "string_nul",
            "loc": [where, *shown.split(".")],
            "msg": "NUL characters are not allowed",
        }
        return JSONResponse({"detail": [error]}, status_code=422)
    message = gettext(locale(request), "%(field)s: a NUL character is not allowed in text.", field=shown)
    return _refused_page(request, message)


class NulInForm(StarletteHTTPException):
    """A multipart form's text field holding a NUL character, found while the form is read (an
    HTTPException, so that FastAPI's form parsing lets it through to its handler)."""

    def __init__(self, field: str) -> None:
        super().__init__(422, f"{field}: NUL characters are not allowed")
        self.field = field


class _TextPartScanner:
    """Follows a multipart body chunk by chunk: the name of the first text field (a part without a
    file name) holding a NUL character. A body the parser cannot follow is left to the form parser."""

    def __init__(self, boundary: bytes) -> None:
        self.found: str | None = None
        self._header, self._disposition, self._name, self._text = b"", b"", "", False
        callbacks: Any = {
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
        }
        self._parser: MultipartParser | None = MultipartParser(boundary, callbacks)

    def feed(self, chunk: bytes) -> None:
        if self._parser is None or self.found is not None:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # malformed: the form parser answers it
            self._parser = None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition += data[start:end]

    def _header_end(self) -> None:
        self._header = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._text, self._disposition = b"filename" not in options, b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._text and self.found is None and b"\x00" in data[start:end]:
            self.found = self._name or "body"


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` (413) once the body passes ``limit`` bytes."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return capped


def _too_large(request: Request) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": "the request body is too large"}, status_code=413)
    lang = locale(request)
    return error_page(request, status_code=413, title=gettext(lang, "Too large"),
                      message=gettext(lang, "The file is too large."))  # fmt: skip


def _scanned(receive: Receive, content_type: str) -> Receive:
    """``receive`` that scans a multipart body as it passes and raises :class:`NulInForm` at the first
    text field holding a NUL character."""
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        return receive
    scanner = _TextPartScanner(boundary)

    async def scanning() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            scanner.feed(message.get("body", b""))
            if scanner.found is not None:
                raise NulInForm(scanner.found)
        return message

    return scanning


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it on as one message."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), _replay([message], receive)
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed
