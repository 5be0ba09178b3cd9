"""Path parameters shared by the API and the pages.

``{name:id}`` in a route's path matches only an id that can exist (1 to 2^31-1, no sign, no leading
zero, see ``arrears.kit.inputs``): any other value (too large for the database, negative, text)
finds no route and answers 404 before it reaches a query. Registered when ``arrears.api`` or
``arrears.web`` is imported, before any router is built.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from arrears.kit.inputs import ID_PATTERN


class IdConvertor(Convertor[int]):
    regex = ID_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
