"""Charts that read at a glance, measured in Chromium: for every chart type, as drawn on a page
(1 100 px wide, and on a phone) and as exported to PNG (the slide and the bilan), the legend,
the title, the source, the annotations and the tick labels never overlap and nothing is cut by
the edge. The PNG of each is written to test-artefacts/ (look at them), and an image of
generated values says « démonstration » under its title.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from indicators.periods import Period
from reports.charts import (
    commune_bar_figure,
    commune_map_figure,
    completeness_figure,
    load_geojson,
    time_series_figure,
)
from reports.render import export_figure, figure_png, png_size
from tests.chart_boxes import measure, overlaps
from tests.conftest import ROOT, SEED
from ui.widgets import screen_figure

pytestmark = pytest.mark.browser
ARTEFACTS = ROOT / "test-artefacts"
CHROMIUM = "/usr/bin/chromium"


def _figures(ref) -> dict:
    geo = load_geojson(SEED / "communes-cabbalr-200072460.geojson")
    codes = [f["properties"]["code"] for f in geo["features"]]
    names = [f["properties"]["nom"] for f in geo["features"]]
    by_commune = pd.DataFrame(
        {"territoire": codes, "nom": names, "valeur": [float(i % 9) if i % 5 else None for i in range(100)]}
    )
    pedt = pd.DataFrame(
        {
            "periode": ["2022", "2023", "2024", "2025", "2026-T1", "2026-T2", "2026-T3"],
            "valeur": [10, 11, 12, 12, 11, 12, 12],
        }
    )
    flux = pd.DataFrame({"periode": ["2024", "2025", "2026-T1", "2026-T2"], "valeur": [40, 44, 9, 12]})
    quarters = pd.DataFrame(
        {
            "periode": ["2026-T1", "2026-T2", "2026-T3"],
            "taux": [88.0, 92.5, 71.0],
            "recus": [88, 92, 71],
            "attendus": [100] * 3,
        }
    )
    return {
        "serie-cibles": time_series_figure(
            pedt, ref.indicator("RE_PEDT"), Period(2026, 3), targets={2028: 14, 2030: 16}, demo=True
        ),
        "serie-flux": time_series_figure(flux, ref.indicator("IA_CAFES_PARTENAIRES"), Period(2026, 2)),
        "serie-vide": time_series_figure(
            pd.DataFrame(columns=["periode", "valeur"]), ref.indicator("RE_PEDT"), Period(2026, 3)
        ),
        "classement": commune_bar_figure(
            by_commune, ref.indicator("PE_CAPACITE_THEORIQUE"), "T3 2026", epci_value=4.2, demo=True
        ),
        "carte": commune_map_figure(
            by_commune, geo, ref.indicator("PE_PLACES_EAJE"), "T3 2026", named=codes[::17], demo=True
        ),
        "completude": completeness_figure(quarters),
    }


@pytest.fixture(scope="module")
def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium de Debian absent (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        yield browser.new_page()
        browser.close()


def test_no_part_of_a_chart_covers_another(ref, page):
    problems = {}
    for name, fig in _figures(ref).items():
        height = fig.layout.height or 450
        slide = 450 if height <= 450 else height  # a ranking keeps its own height
        layouts = {
            "page 1100 px": (screen_figure(fig), 1100, height),
            "téléphone 360 px": (screen_figure(fig), 360, height),
            "image 1600 × 900": (export_figure(fig, layout_width=800, layout_height=slide), 800, slide),
            "bilan": (export_figure(fig, layout_width=800, layout_height=height), 800, height),
        }
        for where, (laid, width, high) in layouts.items():
            found = overlaps(measure(page, laid, width, high))
            if found:
                problems[f"{name}, {where}"] = found
    assert not problems, "\n".join(f"{k} : {', '.join(v)}" for k, v in problems.items())


def test_images_of_generated_values_say_demonstration(ref, page):
    figures = _figures(ref)
    for name in ("serie-cibles", "classement", "carte"):
        measured = measure(page, export_figure(figures[name], layout_width=800, layout_height=450), 800, 450)
        subtitle = " ".join(p["text"] for p in measured["boxes"] if p["kind"] == "sous-titre")
        assert "DÉMONSTRATION" in subtitle, name
    measured = measure(
        page, export_figure(figures["completude"], layout_width=800, layout_height=450), 800, 450
    )
    assert "DÉMONSTRATION" not in " ".join(p["text"] for p in measured["boxes"])


def test_png_of_every_chart_type(ref):
    ARTEFACTS.mkdir(exist_ok=True)
    for name, fig in _figures(ref).items():
        height = None if (fig.layout.height or 0) > 450 else 900
        data = figure_png(fig, 1600, height)
        width, high = png_size(data)
        assert width == 1600 and (height is None or high == 900), name
        (ARTEFACTS / f"graphique-{name}.png").write_bytes(data)
