"""Where plotly.js really draws each part of a figure: bounding boxes measured in Chromium.

    boxes = measure(page, fig, width=800, height=450)
    overlaps(boxes)  # [] when legend, title, source, annotations and tick labels never overlap

The figure is drawn by the plotly.js of the plotly package (offline) at the given size; each
part's box comes from `getBoundingClientRect()` in the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from itertools import combinations

import plotly.graph_objects as go

_JS = """
([data, layout]) => {
  const div = document.getElementById('fig');
  return Plotly.newPlot(div, data, layout, {staticPlot: true}).then(() => {
    const box = el => { const r = el.getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom]; };
    const out = [];
    const add = (kind, el, name) => { const b = box(el); if (b[2] - b[0] > 0.5 && b[3] - b[1] > 0.5)
      out.push({kind, name: name || kind, box: b, text: el.textContent}); };
    div.querySelectorAll('.gtitle').forEach(e => add('titre', e));
    div.querySelectorAll('.gtitle-subtitle').forEach(e => add('sous-titre', e));
    div.querySelectorAll('g.legend').forEach(e => add('légende', e));
    const names = (layout.annotations || []).map(a => a.name || '');
    div.querySelectorAll('g.annotation').forEach(e => {
      const i = +e.getAttribute('data-index');
      add('annotation', e, names[i] || ('annotation ' + i)); });
    div.querySelectorAll('g.xtick text').forEach(e => add('graduation x', e, 'x:' + e.textContent));
    div.querySelectorAll('g.ytick text').forEach(e => add('graduation y', e, 'y:' + e.textContent));
    div.querySelectorAll('g.g-xtitle, g.g-ytitle').forEach(e => add('titre d\\'axe', e));
    div.querySelectorAll('g.colorbar').forEach(e => add('barre de couleurs', e));
    return {boxes: out, width: div.clientWidth, height: div.clientHeight};
  });
}
"""


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def measure(page, fig: go.Figure, width: int, height: int) -> dict:
    """Draw `fig` at width × height in the Playwright `page`; the boxes of its parts."""
    spec = json.loads(fig.to_json())
    layout = {**spec.get("layout", {}), "width": width, "height": height}
    page.set_content(
        f"<html><body style='margin:0'><script>{_plotly_js()}</script>"
        f"<div id='fig' style='width:{width}px;height:{height}px'></div></body></html>"
    )
    return page.evaluate(_JS, [spec.get("data", []), layout])


def _intersects(a: list[float], b: list[float], slack: float = 1.0) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


# Parts that must never touch each other (tick labels of one axis may touch one another
# only when plotly rotates them; they never touch the legend, the title or the source).
_APART = {"titre", "sous-titre", "légende", "annotation", "graduation x", "titre d'axe", "barre de couleurs"}


def overlaps(measured: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    """Pairs of parts drawn on top of each other, and parts cut by the figure's edge."""
    parts = [p for p in measured["boxes"] if p["kind"] in _APART and p["name"] not in ignore]
    found = []
    for a, b in combinations(parts, 2):
        if a["kind"] == b["kind"] == "graduation x":
            continue
        if {a["kind"], b["kind"]} == {"titre", "sous-titre"}:
            continue
        if _intersects(a["box"], b["box"]):
            found.append(f"{a['name']} × {b['name']}")
    w, h = measured["width"], measured["height"]
    for p in measured["boxes"]:
        x0, y0, x1, y1 = p["box"]
        if x0 < -1 or y0 < -1 or x1 > w + 1 or y1 > h + 1:
            found.append(f"{p['name']} coupé par le bord")
    return found
