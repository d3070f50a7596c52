"""A printable HTML document (no template engine): headings that feed a table of contents,
tables, figures, notes, and the stylesheet of an A4 report.

    >>> doc = Document("Bilan")
    >>> doc.heading(1, "Synthèse", "synthese")
    >>> doc.add(table(["Indicateur", "Valeur"], [["Places", "1 234"]]))
    >>> html = doc.html(cover="<h1>…</h1>", pages={"synthese": 3})

Every text is escaped here; a cell or a block that is already HTML is wrapped in `Raw`.
The table of contents links to the headings; once printed, Chromium turns those links into
named destinations whose page numbers (`render.pdf_destinations`) fill the second print.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Raw(str):
    """A text that is already HTML (not escaped again)."""


def esc(text: object) -> str:
    """Escape a text for HTML (Raw passes through); None becomes an empty string."""
    if isinstance(text, Raw):
        return str(text)
    return "" if text is None else _html.escape(str(text), quote=True)


def tag(name: str, content: object = "", **attrs: object) -> Raw:
    """One element: `tag("p", "texte", class_="note")` (a trailing _ is dropped from names)."""
    attributes = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"'
        for k, v in attrs.items()
        if v is not None and v is not False
    )
    return Raw(f"<{name}{attributes}>{esc(content)}</{name}>")


def join(*parts: object) -> Raw:
    """Concatenate blocks (texts are escaped, Raw kept)."""
    return Raw("".join(esc(p) for p in parts if p is not None))


def table(
    columns: list[str],
    rows: list[list[object]],
    *,
    numeric: set[int] | None = None,
    widths: list[str] | None = None,
    class_: str = "data",
    caption: str | None = None,
) -> Raw:
    """A table whose header repeats on every page; `numeric` columns are right-aligned."""
    numeric = numeric or set()
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{w}">' for w in widths) + "</colgroup>"
    head = "".join(
        f'<th class="{"num" if i in numeric else ""}">{esc(c)}</th>' for i, c in enumerate(columns)
    )
    body = []
    for row in rows:
        if isinstance(row, GroupRow):
            body.append(f'<tr class="group"><td colspan="{len(columns)}">{esc(row.title)}</td></tr>')
            continue
        cells = "".join(
            f'<td class="{"num" if i in numeric else ""}">{esc(c)}</td>' for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Raw(
        f'<table class="{esc(class_)}">{cap}{cols}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


@dataclass(frozen=True)
class GroupRow:
    """A row spanning the whole table that titles the rows after it."""

    title: str


def badge(text: str, kind: str) -> Raw:
    """A coloured label (`kind`: ok, warn, bad, neutral)."""
    return Raw(f'<span class="badge {esc(kind)}">{esc(text)}</span>')


def figure(png_data_uri: str, caption: str, *, alt: str = "") -> Raw:
    """A chart image that is never split across pages, with its caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Raw(f'<figure class="chart"><img src="{png_data_uri}" alt="{esc(alt or caption)}">{cap}</figure>')


def note(text: object, kind: str = "info") -> Raw:
    """A framed paragraph (`kind`: info, warn, demo)."""
    return Raw(f'<div class="note {esc(kind)}">{esc(text)}</div>')


def bullet_list(items: list[object], class_: str = "") -> Raw:
    """A bulleted list (nothing when empty)."""
    if not items:
        return Raw("")
    return Raw(f'<ul class="{esc(class_)}">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


@dataclass
class TocEntry:
    """One line of the table of contents: the heading's anchor, number, title and level."""

    anchor: str
    number: str
    title: str
    level: int


@dataclass
class Document:
    """The body of a report, built in order, with its table of contents."""

    title: str
    parts: list[str] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    _counters: list[int] = field(default_factory=lambda: [0, 0, 0])

    def heading(
        self, level: int, title: str, anchor: str, *, new_page: bool = False, numbered: bool = True
    ) -> None:
        """A heading (1 or 2 in the table of contents, 3 not), numbered 1, 1.1…"""
        number = ""
        if numbered and level <= 2:
            self._counters[level - 1] += 1
            for deeper in range(level, len(self._counters)):
                self._counters[deeper] = 0
            number = ".".join(str(n) for n in self._counters[:level])
        if level <= 2:
            self.toc.append(TocEntry(anchor, number, title, level))
        cls = "new-page" if new_page else ""
        text = f"{number}. {title}" if number else title
        self.parts.append(f'<h{level} id="{esc(anchor)}" class="{cls}">{esc(text)}</h{level}>')

    def add(self, *blocks: object) -> None:
        """Append blocks (texts are escaped)."""
        self.parts.extend(esc(b) for b in blocks if b is not None)

    @staticmethod
    def page_cell_id(anchor: str) -> str:
        """Id of the cell holding the page number of a heading in the table of contents."""
        return f"toc-page-{anchor}"

    def toc_html(self, pages: dict[str, int] | None = None) -> Raw:
        """The table of contents; page numbers when known (else the column stays empty)."""
        pages = pages or {}
        rows = []
        for entry in self.toc:
            page = pages.get(entry.anchor)
            rows.append(
                f'<tr class="toc-l{entry.level}"><td class="toc-num">{esc(entry.number)}</td>'
                f'<td class="toc-title"><a href="#{esc(entry.anchor)}">{esc(entry.title)}</a></td>'
                f'<td class="toc-pg" id="{esc(self.page_cell_id(entry.anchor))}">'
                f"{'' if page is None else page}</td></tr>"
            )
        return Raw(f'<table class="toc">{"".join(rows)}</table>')

    def html(self, *, cover: str, pages: dict[str, int] | None = None, lang: str = "fr") -> str:
        """The whole document: stylesheet, cover, table of contents, body."""
        template = Template((TEMPLATES / "bilan.html").read_text(encoding="utf-8"))
        return template.substitute(
            lang=lang,
            title=esc(self.title),
            css=(TEMPLATES / "bilan.css").read_text(encoding="utf-8"),
            cover=cover,
            toc=self.toc_html(pages),
            body="\n".join(self.parts),
        )
