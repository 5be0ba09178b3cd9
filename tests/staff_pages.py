"""Every staff page a signed-in user reaches: the pages without parameters, the pages of the objects a
test names (cases, stops, service cases), and every link (and htmx fragment) they lead to, a few of
each shape; with the text a person reads on each. Shared by tests/integration/web/test_no_raw_codes.py
and tests/browser/test_staff_accessibility.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from every_code_book import Seeded

# not staff pages: the cardholders' side, the gateway's, the switches, files and actions
NOT_PAGES = re.compile(
    r"^/(?:my|pay|lang|logout|login|static|api|healthz)(?:/|$)|/photos/|/attachments/|/reveal$"
)
HIDDEN = frozenset({"head", "script", "style", "textarea", "code", "kbd", "samp", "template"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
FIGURES = frozenset({"num", "big-figure", "value", "tick"})  # classes of the elements that hold figures


class Reader(HTMLParser):
    """The text a person reads in ``lang`` (tags stripped; attribute values, the head, scripts, form
    fields' contents, ``<code>`` and text marked as in another language left out), the figures among it
    (table cells and figures of numbers, a chart's values and axis) and the links to follow."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.text: list[str] = []
        self.figures: list[str] = []
        self.links: list[str] = []  # href
        self.fragments: list[str] = []  # hx-get
        self.skipping: list[list[Any]] = []  # [tag, depth] of the element whose text is left out
        self.figure: list[list[Any]] = []  # [tag, depth] of the figure being read

    @staticmethod
    def _enter(stack: list[list[Any]], tag: str, starts: bool) -> bool:
        """Counts ``tag`` into the element on top of ``stack``, or pushes it when ``starts``."""
        if stack and stack[-1][0] == tag:
            stack[-1][1] += 1
        elif starts:
            stack.append([tag, 1])
            return True
        return False

    @staticmethod
    def _leave(stack: list[list[Any]], tag: str) -> None:
        if stack and stack[-1][0] == tag:
            stack[-1][1] -= 1
            if stack[-1][1] == 0:
                stack.pop()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("href"):
            self.links.append(str(found["href"]))
        if found.get("hx-get"):
            self.fragments.append(str(found["hx-get"]))
        if tag in VOID or tag == "html":
            return
        other = bool(found.get("lang")) and found.get("lang") != self.lang
        self._enter(self.skipping, tag, tag in HIDDEN or other)
        if self._enter(self.figure, tag, bool(FIGURES & set((found.get("class") or "").split()))):
            self.figures.append("")

    def handle_endtag(self, tag: str) -> None:
        self._leave(self.skipping, tag)
        self._leave(self.figure, tag)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.text.append(data)
            if self.figure:
                self.figures[-1] += data

    def read(self) -> str:
        """The text, its white space made single spaces."""
        return " ".join(" ".join(self.text).split())


@dataclass
class Page:
    url: str
    html: str
    whole: bool  # a document, not an htmx fragment
    reader: Reader = field(repr=False)


def shape(url: str) -> str:
    """``/cases/12?tab=due`` -> ``/cases/N?tab``; a template's pages are alike whatever its name."""
    parts = urlsplit(url)
    keys = sorted(pair.split("=", 1)[0] for pair in parts.query.split("&") if pair)
    path = re.sub(r"^/templates/(?!new$)[a-z0-9_]+", "/templates/X", parts.path)
    return re.sub(r"/\d+", "/N", path) + "?" + "&".join(keys)


def page_paths(app: Any) -> list[str]:
    """The app's staff pages without parameters."""

    def flat(routes: Iterable[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from flat(route.original_router.routes)
            else:
                yield route

    return sorted(
        {
            route.path
            for route in flat(app.routes)
            if isinstance(route, APIRoute)
            and "GET" in (route.methods or set())
            and "{" not in route.path
            and not NOT_PAGES.search(route.path)
        }
    )


def starting_points(app: Any, seeded: Seeded) -> list[str]:
    """The pages without parameters, and those of the book's cases, stops and service cases."""
    cases = [seeded.account_id, seeded.held_account_id, seeded.placed_account_id]
    return [
        *page_paths(app),
        *(f"/cases/{one}" for one in cases),
        f"/cases/{seeded.account_id}/call-check",
        *(f"/visits/stops/{one}" for one in seeded.stop_ids),
        *(f"/service-desk/cases/{one}" for one in seeded.service_case_ids),
        *(f"/legal/cases/{one}" for one in seeded.legal_case_ids),
        *(f"/debt-sale/sales/{one}" for one in seeded.debt_sale_ids),
    ]


def _local(base: str, link: str) -> str | None:
    parts = urlsplit(urljoin(f"http://testserver{base}", link))
    if parts.netloc != "testserver" or NOT_PAGES.search(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def staff_pages(
    client: TestClient, lang: str, starts: Iterable[str], *, per_shape: int = 2, fragments: bool = True
) -> Iterator[Page]:
    """The pages (answered 200 with HTML) reached from ``starts`` by ``client``, in ``lang``; at most
    ``per_shape`` of each shape; htmx fragments too when ``fragments``."""
    todo, seen, opened = list(starts), set(), {}  # type: ignore[var-annotated]
    while todo:
        url = todo.pop(0)
        if url in seen or opened.get(shape(url), 0) >= per_shape:
            continue
        seen.add(url)
        answer = client.get(url)
        if answer.status_code != 200 or not answer.headers["content-type"].startswith("text/html"):
            continue
        opened[shape(url)] = opened.get(shape(url), 0) + 1
        reader = Reader(lang)
        reader.feed(answer.text)
        yield Page(url, answer.text, "<html" in answer.text[:300].lower(), reader)
        for link in [*reader.links, *(reader.fragments if fragments else ())]:
            if (local := _local(url, link)) is not None:
                todo.append(local)
