"""Render Markdown the way GitHub's parser does (cmark-gfm) and inspect the HTML.

``CMARK_OPT_UNSAFE`` keeps raw HTML (our ``<details>``, ``<sub>``, the marker comment):
it is the worst case, before GitHub's sanitiser, so anything a learner string could
inject shows up here as a real element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm

VOID = {"br", "hr", "img", "input", "meta", "link"}


def to_html(markdown: str) -> str:
    html = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
    )
    return str(html)


@dataclass
class Table:
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Doc:
    elements: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)
    end_tags: list[str] = field(default_factory=list)
    texts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def tags(self) -> set[str]:
        return {tag for tag, _ in self.elements}

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.elements if t == tag)

    def text(self) -> str:
        return "".join(t for t, _ in self.texts)

    def texts_containing(self, needle: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(t, stack) for t, stack in self.texts if needle in t]


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = Doc()
        self.stack: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.doc.elements.append((tag, attrs))
        if tag == "table":
            self.doc.tables.append(Table())
        elif tag == "tr" and self.doc.tables:
            self.doc.tables[-1].rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.doc.end_tags.append(tag)
        if tag in ("td", "th") and self.cell is not None and self.doc.tables:
            table = self.doc.tables[-1]
            row = table.rows[-1]
            row.append("".join(self.cell))
            self.cell = None
        if tag == "thead" and self.doc.tables:
            table = self.doc.tables[-1]
            table.header = table.rows.pop() if table.rows else []
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.doc.texts.append((data, tuple(self.stack)))
        if self.cell is not None:
            self.cell.append(data)

    def handle_comment(self, data: str) -> None:
        self.doc.comments.append(data)


def analyse(html: str) -> Doc:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker.doc


def render(markdown: str) -> Doc:
    return analyse(to_html(markdown))
