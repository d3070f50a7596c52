"""The bilan PDF and the PNG exports, built for real (DuckDB store, Debian's chromium, poppler).

One bilan (mi-parcours, real reference + demonstration data) is built once for the module
and read back with pdfinfo / pdftotext / pdfimages.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from db.observations import current_values
from db.store import Store
from indicators.catalogue import EPCI_CODE
from indicators.formatting import format_value
from indicators.review import get_review, headline_indicators
from reports.bilan import BilanError, indicator_figure
from reports.render import (
    PNG_SIGNATURE,
    ChartRequest,
    figure_png,
    forget_images,
    pdf_destinations,
    png_size,
    rendering,
)
from services.bilan import build_bilan
from services.demo import install_demo
from services.review import gather_review

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 11, 20)


def _poppler(tool: str, pdf: Path, *args: str) -> str:
    return subprocess.run(
        [tool, *args, str(pdf), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _plain(text: str) -> str:
    """pdftotext keeps the narrow no-break spaces of French numbers; compare on plain spaces."""
    return re.sub(r"[\u202f\u00a0 ]+", " ", text)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, _seeded_template, ref):
    path = tmp_path_factory.mktemp("bilan") / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_demo(store, ref)
        yield store


@pytest.fixture(scope="module")
def midterm(demo_store, ref, tmp_path_factory):
    bilan = build_bilan(demo_store, ref, "mi-parcours", today=TODAY)
    path = tmp_path_factory.mktemp("pdf") / "bilan.pdf"
    path.write_bytes(bilan.pdf)
    return bilan, path, _plain(_poppler("pdftotext", path, "-layout"))


def test_bilan_is_a_pdf_with_a_page_per_section(midterm, ref):
    bilan, path, _ = midterm
    assert bilan.pdf.startswith(b"%PDF")
    pages = int(re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", path), re.M).group(1))
    assert pages == bilan.pages
    # cover + contents + summary, then every enjeu, ambition and the network fiche start a page,
    # then four annexes
    networks = [f for f in ref.fiches if f.ambition is None]
    assert pages >= 3 + len(ref.ambitions) + len(networks) + 4
    assert [s for s in bilan.sections if s.startswith("Annexe")] == [
        "Annexe : complétude de la collecte",
        "Annexe : gouvernance (réunions tenues et dues)",
        "Annexe : indicateurs clés par commune",
        "Annexe : contrôles de cohérence entre indicateurs",
    ]
    assert bilan.sections[-1] == "Méthodologie et sources"


def test_bilan_names_every_ambition_and_its_key_figures_in_french(midterm, ref, demo_store):
    _, _, text = midterm
    flat = " ".join(text.split())
    for ambition in ref.ambitions:
        assert f"Ambition {ambition.code.removeprefix('A')}" in flat
        assert " ".join(ambition.titre.split())[:60] in flat, ambition.titre
    assert "Bilan mi-parcours (juin 2028)" in flat
    for signataire in ref.convention.signataires:
        assert signataire.nom[:30] in flat
    # a reference amount of the convention, French format (e.g. 110 021,39 €)
    amounts = [
        o
        for o in ref.observations
        if o.territoire == EPCI_CODE and ref.indicator(o.indicateur).unite == "euros"
    ]
    assert amounts
    shown = _plain(format_value(amounts[0].valeur, "euros"))
    assert re.search(r"\d \d{3},\d{2} €", shown)
    assert shown in text
    # headline figures of the first fiche at the cut-off, in French format
    values = current_values(demo_store, ref.convention.code)
    review = get_review("mi-parcours")
    from indicators.review import indicator_summary

    summary = indicator_summary(values, ref, review).set_index("code")
    for ind in headline_indicators(ref, ref.fiches[0].code):
        value = summary.loc[ind.code, "valeur"]
        if value == value:  # not NaN
            assert _plain(format_value(value, ind.unite)) in text


def test_bilan_has_contents_with_page_numbers_header_and_footer(midterm):
    bilan, _, text = midterm
    assert "Sommaire" in text
    assert re.search(r"Méthodologie et sources\s+\d+\n", text)
    assert f"page 1 / {bilan.pages}" in text and f"page {bilan.pages} / {bilan.pages}" in text
    assert text.count("Bilan mi-parcours (juin 2028)") >= bilan.pages  # running header


def test_bilan_shows_no_nan_and_warns_about_demonstration_data(midterm):
    _, _, text = midterm
    assert not re.search(r"\b(nan|NaN|None|NaT)\b", text)
    assert "données de démonstration" in text.lower()
    assert "CONTIENT DES DONNÉES DE DÉMONSTRATION" in text


def test_bilan_speaks_to_people_not_machines(midterm, ref):
    """No identifier on the cover, no machine key, no shell command, French grammar."""
    _, _, text = midterm
    assert ref.convention.code not in text  # « (ctg-cabbalr-2026-2030) » is gone from the cover
    assert "cli.py" not in text and "Clé" not in text
    assert not any(o.conflit in text for o in ref.observations if o.conflit)  # grandes_creches…
    assert "la bilan" not in text.lower()


def test_bilan_methodology_cites_sources_and_ratio_definitions(midterm, ref):
    _, _, text = midterm
    flat = " ".join(text.split())
    ratio = next(i for i in ref.indicators if i.is_computed)
    num = ref.indicator(ratio.numerateur)
    assert f"100 × {' '.join(num.libelle.split())[:40]}" in flat
    sections = {o.section for o in ref.observations if o.territoire == EPCI_CODE}
    assert any(" ".join(s.split())[:40] in flat for s in sections)


def test_bilan_charts_are_images(midterm, ref):
    bilan, path, _ = midterm
    listing = _poppler("pdfimages", path, "-list").splitlines()[2:]
    assert len(listing) >= bilan.images >= len(ref.ambitions) * 2
    widths = {int(line.split()[3]) for line in listing}
    assert 1200 in widths  # 800 px laid out at scale 1.5


def test_unknown_review_is_refused_in_french(demo_store, ref):
    with pytest.raises(BilanError, match="Revue inconnue"):
        build_bilan(demo_store, ref, "annuelle-2031", today=TODAY)


def test_png_export_has_signature_size_title_unit_and_source(demo_store, ref):
    fig = indicator_figure(gather_review(demo_store, ref, "annuelle-2026"), "PE_PLACES_EAJE")
    with rendering() as engine:
        slide = figure_png(fig)
        small = figure_png(fig, 1200, 600)
    assert slide.startswith(PNG_SIGNATURE) and png_size(slide) == (1600, 900)
    assert png_size(small) == (1200, 600)
    assert engine.images == 2
    meta = fig.layout.meta
    assert meta["unite"] and meta["source"] and meta["titre"]


def test_charts_drawn_in_the_pdf_browser_are_kaleidos_images_and_drawn_once(demo_store, ref):
    figures = gather_review(demo_store, ref, "annuelle-2026")
    fig, other = indicator_figure(figures, "PE_PLACES_EAJE"), indicator_figure(figures, "IA_EVENEMENTS")
    forget_images()
    with rendering() as engine:
        by_kaleido = engine.png(fig, 1200, None, scale=1.5)
        forget_images()
        batch = engine.submit_charts(
            [ChartRequest(fig, 1200, None, 1.5), ChartRequest(other, 1200, 600, 1.5)]
        )
        assert batch.todo and len(batch.todo) == 2  # nothing cached: both drawn by Chromium
        drawn, second = batch.result()
        again = engine.submit_charts([ChartRequest(fig, 1200, None, 1.5)])
        assert not again.todo  # already drawn: taken from the cache
        assert again.result() == [drawn]
    assert drawn == by_kaleido and png_size(drawn) == batch.sizes[0]
    assert batch.sizes[0] == (1200, round((fig.layout.height or 450) * 1.5))
    assert png_size(second) == (1200, 600) and second != drawn


def test_pdf_numbers_the_contents_again_when_a_chart_moves_a_page_break(demo_store, ref):
    """A placeholder smaller than its chart: the first print puts the heading on page 1, the
    chart pushes it further; the contents must give the page of the final document."""
    fig = indicator_figure(gather_review(demo_store, ref, "annuelle-2026"), "PE_PLACES_EAJE")
    with rendering() as engine:
        batch = engine.submit_charts([ChartRequest(fig, 1200, 3200, 1.0)])
        batch.sizes[0] = (1200, 10)  # lie about the size: the pages will move once it is drawn
        html = (
            '<html><body><p>Sommaire : <span id="toc-fin"></span></p>'
            f'<img style="width:100%" src="{batch.placeholder(0)}">'
            '<a href="#fin">fin</a><h1 id="fin">Fin</h1></body></html>'
        )

        def pages(pdf: bytes) -> dict[str, str]:
            return {"toc-fin": str(pdf_destinations(pdf)["fin"])}

        pdf = engine.pdf(html, relabel=pages, charts=batch)
    final = pdf_destinations(pdf)["fin"]
    assert final > 1
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    assert f"Sommaire : {final}".encode() in text


def test_png_command_writes_the_chart_of_a_commune(demo_store, ref, tmp_path, monkeypatch):
    from cli import main
    from services.settings import get_settings

    monkeypatch.setenv("CTG_DATABASE_URL", demo_store.url)
    get_settings.cache_clear()
    commune = ref.communes()[0].code
    out = tmp_path / "eaje.png"
    try:
        assert (
            main(
                [
                    "png",
                    "--indicateur",
                    "PE_PLACES_EAJE",
                    "--territoire",
                    commune,
                    "--revue",
                    "annuelle-2026",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        assert png_size(out.read_bytes()) == (1600, 900)
        assert main(["png", "--indicateur", "INCONNU", "--out", str(out)]) == 1
    finally:
        get_settings.cache_clear()
