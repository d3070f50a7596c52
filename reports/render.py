"""The image and PDF engine: plotly figures to PNG, HTML documents to PDF, in Debian's Chromium.

Two ways to a PNG, giving the same bytes (both run kaleido's own script, `kaleido_scopes.js`,
over the plotly.js of the plotly package, in the same Chromium):
- `png(fig)`: one image through kaleido's server (the dashboard's buttons, `cli.py png`);
  its first image costs 3-5 s (browser start), the next ones 0.2-0.9 s each;
- `pngs([...])`: a batch drawn in a page of the Chromium that prints the PDF (Playwright),
  all at once: 26 charts of a bilan in about 2 s instead of about 15 s through kaleido, and
  no second browser. `start_charts()` loads that page early, while the caller computes.
Every image is kept in a small process-wide cache keyed by its figure and size: a chart
already drawn is not drawn again.

    >>> with rendering() as engine:
    ...     engine.start_charts()
    ...     pngs = engine.pngs([ChartRequest(fig, 1200, None, 1.5)])
    ...     pdf = engine.pdf("<html>...</html>")

`figure_png(fig)` and `html_to_pdf(html)` use the engine that is open, or open one for
that single call. Kaleido's server is a process-wide singleton (and not safe for two
threads at once): every call goes through one lock, started only when a single image is
asked, and an engine only stops the server it started itself.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

BROWSER_PATH = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
GEO_ASSETS = Path(__file__).resolve().parent / "templates" / "plotly_geo_offline.js"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOURCE_ANNOTATION = "ctg-source"  # the name reports/charts.py gives its source line

CACHE_SIZE = 128  # images kept by `_cache` (about 100 KB each)
CHART_TIMEOUT_MS = 120_000  # for a whole batch of charts

_kaleido_lock = threading.RLock()
_local = threading.local()  # the engine open in this thread, if any
_cache: OrderedDict[str, bytes] = OrderedDict()  # spec digest → PNG, most recent last
_cache_lock = threading.Lock()


class RenderError(Exception):
    """An image or a PDF could not be produced; the message is French."""


# -- figures laid out for an image -------------------------------------------------------
def _meta(fig: go.Figure) -> dict[str, Any]:
    meta = fig.layout.meta
    return dict(meta) if isinstance(meta, dict) else {}


def export_figure(
    fig: go.Figure,
    *,
    title: str | None = None,
    unit: str | None = None,
    source: str | None = None,
    layout_width: int = 800,
    layout_height: int = 450,
) -> go.Figure:
    """A copy of `fig` with its title, unit and source written inside the image.

    Missing values are read from `fig.layout.meta` (keys `titre`, `unite`, `source`, as set
    by reports/charts.py) and from the figure's own title. The unit goes under the title,
    the source in a line at the very bottom (replacing the chart's own source line).
    """
    out = go.Figure(fig, _validate=False)  # already valid: copying it again costs 40 ms a chart
    meta = _meta(fig)
    title = wrap_title(title or meta.get("titre") or (fig.layout.title.text or ""), layout_width)
    unit = unit or meta.get("unite") or ""
    source = source or meta.get("source") or ""
    out.layout.annotations = [
        a
        for a in out.layout.annotations
        if a.name != SOURCE_ANNOTATION and not str(a.text or "").startswith("Source :")
    ]
    margin = out.layout.margin
    left = margin.l if margin.l is not None else 70
    lines = title.count("<br>")
    # the line under the title: unit, what the chart leaves out, and « démonstration » on any
    # image that draws generated values
    notes = [f"Unité : {unit}" if unit else "", str(meta.get("sous_titre") or "")]
    if meta.get("demonstration"):
        notes.append("DONNÉES DE DÉMONSTRATION (valeurs générées, non réelles)")
    subtitle = wrap_title(" · ".join(n for n in notes if n), layout_width, font_px=12)
    sub_lines = subtitle.count("<br>") + 1 if subtitle else 0
    header = 70 + 24 * lines + 17 * sub_lines + (8 if subtitle else 0)
    axis_on_top = out.layout.xaxis.side == "top"
    # a value axis drawn at the top (the ranking) needs its ticks and title under the header
    top = header + 55 if axis_on_top else max(margin.t or 0, header)
    bottom = (margin.b if margin.b is not None else 60) + (30 if source else 0)
    legend, default = out.layout.legend, out.layout.template.layout.legend  # the template's, if any
    orientation = legend.orientation or default.orientation
    legend_y = legend.y if legend.y is not None else default.y
    entries = [t.name for t in out.data if t.showlegend is not False and t.name]
    shows_legend = len(entries) > 1 and out.layout.showlegend is not False
    if shows_legend and orientation == "h" and legend_y is not None and legend_y >= 1:
        # a legend above the plot: room for its rows between the subtitle and the plot
        per_row = max(1, layout_width - left - 30)
        widths = [40 + 7 * len(str(name)) for name in entries]
        rows, used = 1, 0
        for width in widths:
            if used and used + width > per_row:
                rows, used = rows + 1, 0
            used += width
        top += 6 + 22 * rows
        out.update_layout(legend={"y": 1.0, "yanchor": "bottom", "yref": "paper"})
    if shows_legend and orientation == "h" and legend_y is not None and legend_y < 0:
        # a legend under the plot is placed by paper height in the panels: at another size it
        # would cover the axis labels, so pin it just above the source line
        bottom += 32
        out.update_layout(
            legend={
                "yref": "container",
                "y": (30 if source else 6) / layout_height,
                "yanchor": "bottom",
                "x": 12 / layout_width,
                "xanchor": "left",
                "xref": "container",
            }
        )
    out.update_layout(
        # plotly anchors a multi-line title badly at the top: push it down by its extra lines
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "yref": "container",
            "y": 1 - (10 + 22 * lines) / layout_height,
            "yanchor": "top",
            "font": {"size": 19},
            "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#555"}},
        },
        margin={"t": top, "b": bottom, "l": left, "r": margin.r if margin.r is not None else 30},
        paper_bgcolor="white",
        separators=out.layout.separators or ",\u202f",  # French decimals and thousands
    )
    if source:
        out.add_annotation(
            name=SOURCE_ANNOTATION,
            text=f"Source : {source}",
            xref="paper",
            yref="paper",
            x=0,
            xshift=-(left - 12),
            y=0,
            yshift=-(bottom - 8),
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            align="left",
            font={"size": 11, "color": "#555"},
        )
    return out


def wrap_title(title: str, layout_width: int, font_px: int = 19) -> str:
    """Break a long title into lines that fit the image (plotly never wraps titles itself)."""
    per_line = max(20, int(layout_width / (font_px * 0.56)))
    lines = []
    for part in str(title).split("<br>"):
        if part.startswith("<sup>") or len(part) <= per_line:
            lines.append(part)
        else:
            lines.extend(textwrap.wrap(part, per_line, break_long_words=False) or [""])
    return "<br>".join(lines)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG read from its header (RenderError if not a PNG)."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        raise RenderError("Le fichier produit n'est pas une image PNG.")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@dataclass(frozen=True)
class ChartRequest:
    """One image to draw: a figure, its size in pixels (`height` None: the figure's own) and scale."""

    fig: go.Figure
    width: int = 1600
    height: int | None = 900
    scale: float = 2.0
    title: str | None = None
    unit: str | None = None
    source: str | None = None

    def spec(self) -> tuple[str, str, str]:
        """(JSON spec for kaleido_scopes.plotly, its digest, the chart's title) of the laid-out figure."""
        height = self.height
        if height is None:
            height = round((self.fig.layout.height or 450) * self.scale)
        laid = export_figure(
            self.fig,
            title=self.title,
            unit=self.unit,
            source=self.source,
            layout_width=round(self.width / self.scale),
            layout_height=round(height / self.scale),
        )
        spec = (
            f'{{"format":"png","width":{round(self.width / self.scale)},'
            f'"height":{round(height / self.scale)},"scale":{pio.json.to_json_plotly(self.scale)},'
            f'"data":{pio.to_json(laid, validate=False)}}}'
        )
        return spec, hashlib.sha256(spec.encode("utf-8")).hexdigest(), str(_meta(laid).get("titre") or "")

    def pixels(self) -> tuple[int, int]:
        """Width and height of the PNG drawn (the layout size times the scale)."""
        height = (
            self.height if self.height is not None else round((self.fig.layout.height or 450) * self.scale)
        )
        return (
            round(round(self.width / self.scale) * self.scale),
            round(round(height / self.scale) * self.scale),
        )


class ChartBatch:
    """Charts being drawn by an engine (`RenderEngine.submit_charts`); `result()` waits for them."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, engine: RenderEngine, specs: list[tuple[str, str, str]], sizes: list[tuple[int, int]]):
        self.id = next(ChartBatch._ids)
        self.engine = engine
        self.specs = specs
        self.sizes = sizes
        self.todo: dict[str, tuple[str, str]] = {}
        self.drawn: dict[str, bytes] = {}
        self._images: list[bytes] | None = None

    def placeholder(self, index: int) -> str:
        """An empty image of chart `index`'s size (a data URI), to lay the pages out before it is drawn."""
        width, height = self.sizes[index]
        return placeholder_uri(index, width, height)

    def result(self) -> list[bytes]:
        """The PNG of every chart, in order (waits for Chromium; raises RenderError)."""
        if self._images is None:
            self._images = self.engine._collect(self)
        return self._images

    def fill(self, html: str) -> str:
        """`html` with each chart's PNG in place of its placeholder."""
        for index, data in enumerate(self.result()):
            html = html.replace(
                f'src="{self.placeholder(index)}"',
                'src="data:image/png;base64,' + base64.b64encode(data).decode("ascii") + '"',
                1,
            )
        return html


def placeholder_uri(index: int, width: int, height: int) -> str:
    """An empty SVG image of `width` × `height` pixels, unique to chart `index` (a data URI)."""
    return (
        "data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 "
        f"width=%27{width}%27 height=%27{height}%27 id=%27ctg-chart-{index}%27/%3E"
    )


def _cached(key: str) -> bytes | None:
    with _cache_lock:
        data = _cache.get(key)
        if data is not None:
            _cache.move_to_end(key)
        return data


def _remember(key: str, data: bytes) -> None:
    with _cache_lock:
        _cache[key] = data
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def forget_images() -> None:
    """Empty the cache of drawn images (the next ones are drawn again)."""
    with _cache_lock:
        _cache.clear()


def _chart_page_html() -> str:
    """kaleido's own page (plotly.js of the plotly package, no MathJax, offline base maps)."""
    import kaleido

    return kaleido.PageGenerator(mathjax=False, others=[str(GEO_ASSETS)]).generate_index()


# -- the engine ------------------------------------------------------------------------------
class RenderEngine:
    """One Chromium (Playwright) for PDFs and batches of charts, and kaleido's server for single
    images, each started when first needed and closed once.

    Usable as a context manager; `close()` is idempotent. Not shared between threads:
    Playwright's browser belongs to the thread that opened it.
    """

    def __init__(self, *, browser_path: str = BROWSER_PATH) -> None:
        self.browser_path = browser_path
        self._started_kaleido = False
        self._playwright = None
        self._browser = None
        self._chart_page = None
        self._chart_dir: Path | None = None
        self.images = 0

    # lifecycle
    def start_images(self) -> None:
        """Start kaleido's server (a no-op if one is running already in this process)."""
        import kaleido

        if not Path(self.browser_path).exists():
            raise RenderError(
                f"Navigateur introuvable ({self.browser_path}) : installez le paquet "
                "Debian « chromium » (scripts/install-system.sh)."
            )
        os.environ.setdefault("BROWSER_PATH", self.browser_path)
        pio.defaults.headers = {}
        with _kaleido_lock:
            if not kaleido._global_server.is_running():
                # plotly.js from the plotly package, no MathJax, and empty base maps so that a
                # choropleth never fetches a topojson from the internet (offline machine).
                page = kaleido.PageGenerator(mathjax=False, others=[str(GEO_ASSETS)])
                kaleido.start_sync_server(n=1, page_generator=page, silence_warnings=True)
                self._started_kaleido = True

    def _start_browser(self) -> None:
        if self._browser is not None:
            return
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        try:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=self.browser_path, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            self._stop_browser()
            raise RenderError(f"Impossible de démarrer Chromium pour le PDF : {exc}") from exc

    def _stop_browser(self) -> None:
        if self._chart_page is not None:
            with contextlib.suppress(Exception):
                self._chart_page.close()
            self._chart_page = None
        if self._chart_dir is not None:
            shutil.rmtree(self._chart_dir, ignore_errors=True)
            self._chart_dir = None
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
            self._browser = None
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                self._playwright.stop()
            self._playwright = None

    def close(self) -> None:
        """Stop what this engine started; calling it twice is harmless."""
        self._stop_browser()
        if self._started_kaleido:
            import kaleido

            with _kaleido_lock:
                kaleido.stop_sync_server(silence_warnings=True)
            self._started_kaleido = False

    def __enter__(self) -> RenderEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # work
    def png(
        self,
        fig: go.Figure,
        width: int = 1600,
        height: int | None = 900,
        *,
        scale: float = 2.0,
        title: str | None = None,
        unit: str | None = None,
        source: str | None = None,
    ) -> bytes:
        """PNG of `fig`, `width` × `height` pixels, laid out at 1/`scale` so texts stay readable.

        `height=None` keeps the figure's own height (a bar per commune is taller than a slide).
        """
        import kaleido

        request = ChartRequest(fig, width, height, scale, title, unit, source)
        spec, key, name = request.spec()
        data = _cached(key)
        if data is None:
            self.start_images()
            import json

            payload = json.loads(spec)
            opts = {k: payload[k] for k in ("format", "width", "height", "scale")}
            with _kaleido_lock:
                try:
                    data = kaleido.calc_fig_sync(payload["data"], opts=opts)
                except Exception as exc:  # kaleido wraps browser errors in many types
                    raise RenderError(
                        f"Le graphique « {name} » n'a pas pu être converti en image : {exc}"
                    ) from exc
            if isinstance(data, BaseException):
                raise RenderError(f"Le graphique n'a pas pu être converti en image : {data}")
            data = bytes(data)
            _remember(key, data)
        self.images += 1
        return data

    def start_charts(self) -> None:
        """Open the page that draws the charts and start loading plotly.js in it, without waiting."""
        from playwright.sync_api import Error as PlaywrightError

        if self._chart_page is not None:
            return
        self._start_browser()
        self._chart_dir = Path(tempfile.mkdtemp(prefix="ctg-charts-"))
        index = self._chart_dir / "index.html"
        index.write_text(_chart_page_html(), encoding="utf-8")
        try:
            self._chart_page = self._browser.new_page()  # type: ignore[union-attr]
            self._chart_page.goto(index.as_uri(), wait_until="commit")
        except PlaywrightError as exc:
            raise RenderError(f"Impossible d'ouvrir la page des graphiques dans Chromium : {exc}") from exc

    def submit_charts(self, requests: list[ChartRequest]) -> ChartBatch:
        """Start drawing every request in the PDF's Chromium and return at once (`ChartBatch.result`
        waits for the images). Images already in the cache, or asked twice, are drawn once."""
        from playwright.sync_api import Error as PlaywrightError

        batch = ChartBatch(self, [r.spec() for r in requests], [r.pixels() for r in requests])
        todo: dict[str, tuple[str, str]] = {}
        for spec, key, name in batch.specs:
            if _cached(key) is None:
                todo.setdefault(key, (spec, name))
        batch.todo = todo
        if todo:
            self.start_charts()
            page = self._chart_page
            try:
                page.wait_for_function(  # type: ignore[union-attr]
                    "() => window.kaleido_scopes !== undefined", timeout=CHART_TIMEOUT_MS, polling=50
                )
                page.evaluate(  # type: ignore[union-attr]
                    """([id, specs, timeout]) => {
                        window.ctgCharts = window.ctgCharts || {};
                        // drawn after this call returns: the caller goes on (prints) meanwhile
                        const drawn = new Promise(go => setTimeout(go, 0)).then(() =>
                            Promise.all(specs.map(s => kaleido_scopes.plotly(JSON.parse(s), null, false))));
                        window.ctgCharts[id] = Promise.race([
                            drawn,
                            new Promise((_, no) => setTimeout(() => no(new Error("délai dépassé")), timeout)),
                        ]);
                    }""",
                    [batch.id, [spec for spec, _ in todo.values()], CHART_TIMEOUT_MS],
                )
            except PlaywrightError as exc:
                raise RenderError(f"Les graphiques n'ont pas pu être convertis en images : {exc}") from exc
        return batch

    def _collect(self, batch: ChartBatch) -> list[bytes]:
        from playwright.sync_api import Error as PlaywrightError

        if batch.todo:
            try:
                answers = self._chart_page.evaluate("id => window.ctgCharts[id]", batch.id)  # type: ignore[union-attr]
            except PlaywrightError as exc:
                raise RenderError(f"Les graphiques n'ont pas pu être convertis en images : {exc}") from exc
            for (key, (_, name)), answer in zip(batch.todo.items(), answers, strict=True):
                if not isinstance(answer, dict) or answer.get("code") != 0 or not answer.get("result"):
                    message = answer.get("message") if isinstance(answer, dict) else answer
                    raise RenderError(
                        f"Le graphique « {name} » n'a pas pu être converti en image : {message}"
                    )
                batch.drawn[key] = base64.b64decode(answer["result"])
                _remember(key, batch.drawn[key])
        images = [batch.drawn.get(key) or _cached(key) or b"" for _, key, _ in batch.specs]
        self.images += len(images)
        return images

    def pngs(self, requests: list[ChartRequest]) -> list[bytes]:
        """PNG of every request, drawn all at once in the PDF's Chromium (same bytes as `png`)."""
        return self.submit_charts(requests).result()

    def pdf(
        self,
        html: str,
        *,
        header: str = "",
        footer: str = "",
        relabel: Callable[[bytes], dict[str, str]] | None = None,
        charts: ChartBatch | None = None,
    ) -> bytes:
        """Print an HTML document to an A4 PDF with a running header and page numbers.

        `header` and `footer` are plain texts (escaped here); the footer ends with
        « page N / M ». Internal links (`<a href="#id">`) become named destinations that
        `pdf_destinations` reads back. `relabel(first_pdf)` may return {element id: text}:
        those texts are written into the loaded page, which is printed a second time (the
        page numbers of a table of contents) without loading the document again.

        `charts`: images still being drawn, whose `<img>` hold `ChartBatch.placeholder(i)`
        (an empty image of the chart's size, so the pages are already those of the final
        document). The first print runs while Chromium draws them; they replace their
        placeholders before the second. Should a page break move all the same, the page
        numbers are read again from the second print and the document printed a third time.
        """
        from playwright.sync_api import Error as PlaywrightError

        self._start_browser()
        page = self._browser.new_page()  # type: ignore[union-attr]
        style = (
            "font-family:'DejaVu Sans',sans-serif;font-size:7.5pt;color:#555;width:100%;"
            "margin:0 15mm;display:flex;justify-content:space-between;"
        )
        options = {
            "format": "A4",
            "print_background": True,
            "display_header_footer": True,
            "header_template": f'<div style="{style}"><span>{_escape(header)}</span></div>',
            "footer_template": (
                f'<div style="{style}"><span>{_escape(footer)}</span>'
                '<span>page <span class="pageNumber"></span> / '
                '<span class="totalPages"></span></span></div>'
            ),
            "margin": {"top": "16mm", "bottom": "16mm", "left": "15mm", "right": "15mm"},
            "outline": True,
            "tagged": True,
        }
        set_labels = (
            "labels => { for (const [id, text] of Object.entries(labels)) {"
            " const el = document.getElementById(id); if (el) el.textContent = text; } }"
        )
        try:
            page.set_content(html, wait_until="load", timeout=180_000)
            # a first print only read for its page numbers: no tags, no outline (twice as fast, same pages)
            first = {**options, "tagged": False, "outline": False} if relabel else options
            pdf = page.pdf(**first) if relabel or charts is None else b""
            labels = relabel(pdf) if relabel else {}
            if charts is not None:
                images = charts.result()
                page.evaluate(
                    """([placeholders, sources]) => Promise.all([...document.images].map(img => {
                        const i = placeholders.indexOf(img.getAttribute("src"));
                        if (i < 0) return null;
                        img.src = sources[i];
                        return img.decode();
                    }))""",
                    [
                        [charts.placeholder(i) for i in range(len(images))],
                        ["data:image/png;base64," + base64.b64encode(d).decode("ascii") for d in images],
                    ],
                )
            if labels:
                page.evaluate(set_labels, labels)
            if relabel or charts is not None:
                pdf = page.pdf(**options)
                again = relabel(pdf) if relabel and charts is not None else labels
                if again != labels:  # a chart moved a page break after all: number the pages again
                    page.evaluate(set_labels, again)
                    pdf = page.pdf(**options)
            return pdf
        except PlaywrightError as exc:
            raise RenderError(f"Le PDF n'a pas pu être produit par Chromium : {exc}") from exc
        finally:
            page.close()


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@contextlib.contextmanager
def rendering() -> Iterator[RenderEngine]:
    """Open one engine for a batch of images and PDFs (a bilan); the module functions use it."""
    previous = getattr(_local, "engine", None)
    engine = RenderEngine()
    _local.engine = engine
    try:
        yield engine
    finally:
        _local.engine = previous
        engine.close()


def _current() -> RenderEngine | None:
    return getattr(_local, "engine", None)


def figure_png(
    fig: go.Figure,
    width: int = 1600,
    height: int | None = 900,
    *,
    title: str | None = None,
    unit: str | None = None,
    source: str | None = None,
) -> bytes:
    """PNG bytes of a figure with its title, unit and source inside (presentation size by default).

    Uses the engine opened by `rendering()` in this thread, else kaleido's process-wide
    server (started on first use and kept for the next images).
    """
    engine = _current()
    if engine is None:
        engine = _shared_image_engine()
    return engine.png(fig, width, height, title=title, unit=unit, source=source)


_shared: RenderEngine | None = None


def _shared_image_engine() -> RenderEngine:
    """An image-only engine kept for the life of the process (the dashboard's PNG buttons)."""
    global _shared
    with _kaleido_lock:
        if _shared is None:
            _shared = RenderEngine()
        _shared.start_images()
        return _shared


def html_to_pdf(html: str, *, header: str = "", footer: str = "") -> bytes:
    """PDF bytes of an HTML document (A4, header, footer with page numbers)."""
    engine = _current()
    if engine is not None:
        return engine.pdf(html, header=header, footer=footer)
    with RenderEngine() as own:
        return own.pdf(html, header=header, footer=footer)


# -- reading a PDF back (poppler-utils) ------------------------------------------------------
_DEST = re.compile(r'^\s*(\d+)\s+\[.*\]\s+"(.*)"\s*$')


def pdf_destinations(pdf: bytes) -> dict[str, int]:
    """Page number of every named destination (link target) of a PDF; empty without pdfinfo."""
    return {name: page for name, page in _poppler_lines(pdf, ["pdfinfo", "-dests"])}


def pdf_page_count(pdf: bytes) -> int | None:
    """Number of pages of a PDF (None without pdfinfo)."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        return None
    text = _run_on_pdf(pdf, [exe])
    match = re.search(r"^Pages:\s+(\d+)", text, re.M)
    return int(match.group(1)) if match else None


def _poppler_lines(pdf: bytes, command: list[str]) -> Iterator[tuple[str, int]]:
    exe = shutil.which(command[0])
    if exe is None:
        return
    for line in _run_on_pdf(pdf, [exe, *command[1:]]).splitlines():
        match = _DEST.match(line)
        if match:
            yield match.group(2), int(match.group(1))


def _run_on_pdf(pdf: bytes, command: list[str]) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        result = subprocess.run(
            [*command, handle.name], capture_output=True, text=True, timeout=60, check=False
        )
    return result.stdout
