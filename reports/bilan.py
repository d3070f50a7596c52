"""The bilan of a review (annual review or mid-term): an A4 PDF in French for the COPIL.

    >>> pdf = build_bilan(store, ref, "mi-parcours")

Built on the server from the same data and figures as the panels (review summary,
charts, completeness, governance, comments), printed by Chromium with one render engine
for every chart and both prints (the second one fills the page numbers of the table of
contents). Contents: cover, table of contents, summary table of every indicator, one
section per enjeu and ambition (fiche context, key figures, charts, table, comments and
jalons, alerts), the network fiche, annexes (completeness, governance, communes,
methodology and sources).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from indicators import completeness
from indicators.aggregation import Territories
from indicators.catalogue import Fiche, Indicator, Reference
from indicators.contradictions import contradictions_frame
from indicators.figures import ReviewFigures
from indicators.formatting import MISSING, format_number, format_value, unit_label
from indicators.periods import FIRST_YEAR, period_label
from indicators.review import (
    ALERT_KIND_LABELS,
    TOLERANCE,
    TOLERANCE_POINTS,
    Alert,
    Review,
    cutoff_caption,
    fiche_indicators,
    headline_indicators,
    population_indicator,
    reference_text,
    value_text,
)
from indicators.rules import violations_table
from reports import charts
from reports.document import (
    Document,
    GroupRow,
    Raw,
    badge,
    bullet_list,
    esc,
    figure,
    join,
    note,
    table,
    tag,
)
from reports.render import (
    ChartRequest,
    pdf_destinations,
    pdf_page_count,
    placeholder_uri,
    rendering,
)

# A chart in the bilan spans the text width (180 mm): laid out 800 px wide like a slide, printed
# at scale 1.5 (1200 px, about 170 dpi: sharp on paper, half the bytes of 1600 px). Time series
# keep the panels' height; the map is 500 px high.
LAYOUT_WIDTH, CHART_SCALE = 800, 1.5
CHART_HEIGHT, MAP_HEIGHT = None, 500
MAP_NAMES = 6  # the most populous communes named on the map
COMMUNE_COLUMNS = 6  # key indicators in the per-commune annex (besides population, completeness)
STATUS_KINDS = {"progression": "ok", "stable": "neutral", "recul": "bad", "non_renseigne": "neutral"}
GOVERNANCE_KINDS = {
    "tenue": "ok",
    "atteint": "ok",
    "en cours": "neutral",
    "à venir": "neutral",
    "incomplète": "warn",
    "non tenue": "bad",
    "non atteint": "bad",
}
FICHE_GROUP_LABELS = {
    "GOUV": "Gouvernance (Annexe 5)",
    "CCT": "Activité des chargés de coopération (Annexe 6)",
    "CTX": "Contexte et diagnostic",
}


class BilanError(ValueError):
    """A bilan that cannot be built (unknown review...); the message is French."""


@dataclass
class Bilan:
    """A built bilan: the PDF and what the page shows about it."""

    pdf: bytes
    review: Review
    pages: int | None
    seconds: float
    images: int
    sections: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmark
    html: str = field(default="", repr=False)  # the document printed (its charts inside)


@dataclass
class _Context:
    """A review's figures (indicators.figures) and what the document adds: the map, and the
    charts the HTML asks for (drawn all at once by the engine once the HTML is written)."""

    figures: ReviewFigures
    geojson: dict | None = None
    charts: list[ChartRequest] = field(default_factory=list)

    @property
    def ref(self) -> Reference:
        return self.figures.ref

    @property
    def review(self) -> Review:
        return self.figures.review

    @property
    def today(self) -> dt.date:
        return self.figures.today

    @property
    def as_of(self) -> dt.date:
        return self.figures.as_of

    @property
    def demo(self) -> bool:
        return self.figures.demo

    @property
    def values(self) -> pd.DataFrame:
        return self.figures.values

    @property
    def comments(self) -> pd.DataFrame:
        return self.figures.comments

    @property
    def territories(self) -> Territories:
        return self.figures.territories

    @property
    def matrix(self) -> pd.DataFrame:
        return self.figures.completeness

    @property
    def alerts(self) -> list[Alert]:
        return self.figures.alerts

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The agglomeration's summary indexed by indicator (read for every cell: indexed once)."""
        return self.figures.summary.set_index("code", drop=False)

    def row(self, code: str) -> pd.Series:
        return self.summary.loc[code]


# -- small texts ------------------------------------------------------------------------------
def _date(day: dt.date) -> str:
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    return f"{day.day}{'er' if day.day == 1 else ''} {months[day.month - 1]} {day.year}"


def _status_badge(row: pd.Series) -> Raw:
    return badge(str(row["statut_libelle"]), STATUS_KINDS.get(str(row["statut"]), "neutral"))


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _reference_text(row: pd.Series) -> str:
    return reference_text(row)


def _value_cell(row: pd.Series) -> str:
    text = value_text(row, "valeur")
    if text == MISSING or row["type"] in ("jalon", "qualitatif"):
        if row["type"] in ("jalon", "qualitatif") and isinstance(row.get("periode_valeur"), str):
            return f"{_short(text, 90)} ({period_label(str(row['periode_valeur']))})"
        return text
    return f"{text} ({cutoff_caption(row)})"


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _fiche_label(ref: Reference, code: str) -> str:
    fiche = next((f for f in ref.fiches if f.code == code), None)
    if fiche is not None:
        return f"Fiche {code.removeprefix('F')} · {fiche.titre}"
    return FICHE_GROUP_LABELS.get(code, code)


def _indicator_rows(ctx: _Context, codes: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for code in codes:
        row = ctx.row(code)
        rows.append(
            [
                row["libelle"],
                _reference_text(row),
                _value_cell(row),
                value_text(row, "cible"),
                value_text(row, "evolution_reference"),
                _status_badge(row),
            ]
        )
    return rows


def _indicator_table(ctx: _Context, rows: list, caption: str | None = None) -> Raw:
    review = ctx.review
    return table(
        [
            "Indicateur",
            "Référence",
            f"Valeur à {review.cutoff_label}",
            f"Cible {review.target_year}",
            "Évolution depuis la référence",
            "Statut",
        ],
        rows,
        numeric={1, 2, 3, 4},
        widths=["34%", "13%", "16%", "10%", "13%", "14%"],
        caption=caption,
    )


# -- cover --------------------------------------------------------------------------------------
def _cover(ctx: _Context) -> Raw:
    conv = ctx.ref.convention
    review = ctx.review
    facts = [
        ("Convention", conv.nom),
        ("Période", f"du {conv.debut:%d/%m/%Y} au {conv.fin:%d/%m/%Y}"),
        ("Territoire", f"{_territory_name(ctx, conv.epci)} : {len(ctx.ref.communes())} communes"),
        ("Revue", review.label),
        (
            (
                "Date des données",
                f"{review.cutoff_label} : dernier trimestre avec des données (fin : {review.cutoff.end:%d/%m/%Y})",
            )
            if review.provisional
            else (
                "Données arrêtées à",
                f"{review.cutoff_label} (fin de période : {review.cutoff.end:%d/%m/%Y})",
            )
        ),
        (
            "Comparaisons",
            f"référence (dernière année avant {FIRST_YEAR}) → {review.cutoff_label} ; "
            f"{review.previous_year} → {review.cutoff_label} ; cible {review.target_year}",
        ),
        ("Document édité le", _date(ctx.today)),
    ]
    fact_rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in facts)
    signatories = "".join(
        f"<tr><td>{esc(s.nom)}</td><td>{esc(s.representant or '')}</td></tr>" for s in conv.signataires
    )
    demo = (
        note(
            "Attention : ce document contient des données de démonstration (valeurs générées, non "
            "réelles). Il ne doit pas être diffusé comme un bilan de la convention.",
            "demo",
        )
        if ctx.demo
        else ""
    )
    if conv.demonstration:
        demo = join(
            note(
                "Convention fictive de démonstration : "
                + (conv.demonstration_note or "objectifs, indicateurs et cibles fictifs")
                + " Ce document n'est le bilan d'aucune convention signée.",
                "demo",
            ),
            demo,
        )
    if review.provisional:
        planned = review.planned_cutoff
        demo = join(
            note(
                f"Bilan provisoire : l'arrêté de cette revue, {planned.label}, n'est pas encore atteint "
                f"(fin le {planned.end:%d/%m/%Y}). Chaque chiffre est celui de {review.cutoff_label}, le "
                f"dernier trimestre avec des données ; un flux est le cumul des trimestres {review.cutoff.year} "
                "reçus. Les trimestres suivants ne comptent ni dans la complétude ni dans les alertes. "
                "À rééditer une fois l'arrêté passé.",
                "demo",
            ),
            demo,
        )
    return join(
        tag(
            "div",
            "Caisse d'allocations familiales du Pas-de-Calais · Convention Territoriale Globale",
            class_="org",
        ),
        tag("div", "Bilan de la convention", class_="kind"),
        tag("h1", conv.nom, class_="cover-title"),
        tag("div", review.label, class_="review"),
        Raw(f'<table class="facts">{fact_rows}</table>'),
        demo,
        Raw(
            f'<div class="signatories"><h2>Signataires</h2><table>{signatories}</table>'
            f'<p class="muted">{esc(conv.section)}</p></div>'
        ),
    )


def _territory_name(ctx: _Context, code: str) -> str:
    return ctx.territories.names.get(code, code)


# -- summary --------------------------------------------------------------------------------------
def _summary_section(ctx: _Context, doc: Document) -> None:
    review = ctx.review
    doc.heading(1, "Synthèse des indicateurs", "synthese", new_page=False)
    numeric = ctx.summary[ctx.summary["type"].isin(["quantitatif", "barometre"])]
    counts = numeric["statut_libelle"].value_counts()
    spread = ", ".join(f"{format_number(int(n))} « {label.lower()} »" for label, n in counts.items())
    doc.add(
        tag(
            "p",
            (
                f"Situation de l'agglomération ({_territory_name(ctx, ctx.ref.epci)}) à {review.cutoff_label} pour "
                f"les {len(ctx.summary)} indicateurs du catalogue. Statut des {len(numeric)} indicateurs chiffrés : "
                f"{spread}. La valeur d'un indicateur de flux cumule les trimestres de l'année arrêtés à la date "
                "de la revue ; l'évolution et le statut la comparent, ramenée à l'année, à la valeur de référence."
            ),
        )
    )
    rows: list = []
    order = [f.code for f in ctx.ref.fiches] + [k for k in FICHE_GROUP_LABELS]
    for fiche in order:
        codes = [c for c in ctx.summary.index if ctx.summary.loc[c, "fiche"] == fiche]
        if not codes:
            continue
        rows.append(GroupRow(_fiche_label(ctx.ref, fiche)))
        rows.extend(_indicator_rows(ctx, codes))
    doc.add(
        _indicator_table(
            ctx,
            rows,
            caption=(
                "Référence : dernière valeur annuelle connue avant la convention. Statut : selon le sens "
                "souhaité de l'indicateur, stable à ±"
                + format_number(100 * TOLERANCE)
                + " % près (±"
                + format_number(TOLERANCE_POINTS)
                + " point pour un pourcentage)."
            ),
        )
    )


# -- enjeux and ambitions ----------------------------------------------------------------------
def _context_block(fiche: Fiche | None) -> Raw:
    if fiche is None:
        return Raw("")
    parts = [
        tag(
            "p",
            join(tag("span", f"Fiche-projet {fiche.code.removeprefix('F')} : ", class_="label"), fiche.titre),
        )
    ]
    if fiche.diagnostic:
        parts.append(
            tag("p", join(tag("span", "Diagnostic : ", class_="label"), _short(fiche.diagnostic, 520)))
        )
    if fiche.public_cible:
        parts.append(
            tag("p", join(tag("span", "Public : ", class_="label"), _short(fiche.public_cible, 200)))
        )
    if fiche.objectifs:
        parts.append(
            tag(
                "p",
                join(
                    tag("span", "Objectifs : ", class_="label"),
                    " ; ".join(_short(o, 160) for o in fiche.objectifs[:4]),
                ),
            )
        )
    parts.append(tag("p", fiche.section, class_="muted"))
    return Raw(f'<div class="context">{join(*parts)}</div>')


def _kpis(ctx: _Context, indicators: list[Indicator]) -> Raw:
    cards = []
    for ind in indicators:
        row = ctx.row(ind.code)
        value = value_text(row, "valeur")
        detail = [f"{cutoff_caption(row)}" if value != MISSING else "aucune valeur à la date de la revue"]
        if not _is_missing(row["reference"]):
            detail.append(f"référence {_reference_text(row)}")
        if not _is_missing(row["cible"]):
            detail.append(f"cible {ctx.review.target_year} : {value_text(row, 'cible')}")
        cards.append(
            Raw(
                f'<div class="kpi"><div class="label">{esc(_short(ind.libelle, 95))}</div>'
                f'<div class="value">{esc(value)}</div><div class="detail">{esc(" · ".join(detail))}</div>'
                f"<div>{_status_badge(row)}</div></div>"
            )
        )
    return Raw(f'<div class="kpis">{"".join(cards)}</div>') if cards else Raw("")


def _comments_block(ctx: _Context, code: str) -> Raw:
    rows = ctx.comments[ctx.comments["ambition"] == code] if not ctx.comments.empty else ctx.comments
    if rows.empty:
        return tag("p", f"Aucun commentaire saisi pour {ctx.review.named()}.", class_="empty")
    items = []
    for row in rows.itertuples():
        where = (
            _territory_name(ctx, row.territoire)
            if isinstance(row.territoire, str) and row.territoire
            else "ensemble du territoire"
        )
        when = pd.Timestamp(row.created_at).strftime("%d/%m/%Y")
        demo = " · démonstration" if bool(row.is_demo) else ""
        items.append(
            f'<div class="comment"><div>{esc(row.texte)}</div>'
            f'<div class="meta">{esc(where)} · {esc(row.author)} · {when}{demo}</div></div>'
        )
    return Raw(f'<div class="comments">{"".join(items)}</div>')


def _jalons_block(ctx: _Context, codes: list[str]) -> Raw:
    rows = []
    for code in codes:
        row = ctx.row(code)
        if row["type"] not in ("jalon", "qualitatif"):
            continue
        text = (
            str(row["valeur_texte"])
            if isinstance(row["valeur_texte"], str) and row["valeur_texte"]
            else MISSING
        )
        when = (
            MISSING
            if _is_missing(row["periode_valeur"]) or not row["periode_valeur"]
            else period_label(str(row["periode_valeur"]))
        )
        rows.append([row["libelle"], "jalon" if row["type"] == "jalon" else "qualitatif", text, when])
    if not rows:
        return Raw("")
    return table(
        ["Jalon ou indicateur qualitatif", "Type", "Réalisation / appréciation", "Période"],
        rows,
        widths=["42%", "10%", "36%", "12%"],
    )


def _alerts_block(alerts: list[Alert], empty: str) -> Raw:
    if not alerts:
        return tag("p", empty, class_="empty")
    return bullet_list(
        [f"{ALERT_KIND_LABELS.get(a.kind, a.kind)} : {a.message}" for a in alerts], class_="alerts"
    )


def _fiche_section(ctx: _Context, doc: Document, fiche: Fiche | None, code: str) -> None:
    codes = [i.code for i in fiche_indicators(ctx.ref, fiche.code)] if fiche else []
    doc.add(_context_block(fiche))
    if fiche is not None:
        doc.add(_kpis(ctx, headline_indicators(ctx.ref, fiche.code)))
    doc.add(*_charts(ctx, fiche))
    doc.heading(3, "Indicateurs", f"{code}-indicateurs")
    numeric = [c for c in codes if ctx.row(c)["type"] in ("quantitatif", "barometre")]
    if numeric:
        doc.add(_indicator_table(ctx, _indicator_rows(ctx, numeric)))
    else:
        doc.add(tag("p", "Aucun indicateur chiffré dans cette fiche.", class_="empty"))
    doc.heading(3, "Jalons et commentaires", f"{code}-commentaires")
    doc.add(_jalons_block(ctx, codes), _comments_block(ctx, code))
    doc.heading(3, "Alertes", f"{code}-alertes")
    alerts = [a for a in ctx.alerts if a.kind == "indicateur" and a.objet in set(codes)]
    doc.add(_alerts_block(alerts, "Aucun indicateur de la fiche n'évolue à l'inverse du sens souhaité."))


def _ambition_sections(ctx: _Context, doc: Document) -> None:
    for enjeu in ctx.ref.enjeux:
        doc.heading(
            1, f"Enjeu {enjeu.code.removeprefix('E')} · {enjeu.titre}", f"enjeu-{enjeu.code}", new_page=True
        )
        ambitions = [a for a in ctx.ref.ambitions if a.enjeu == enjeu.code]
        doc.add(
            bullet_list([f"Ambition {a.code.removeprefix('A')} : {a.titre}" for a in ambitions]),
            tag("p", enjeu.section, class_="muted"),
        )
        for index, ambition in enumerate(ambitions):
            doc.heading(
                2,
                f"Ambition {ambition.code.removeprefix('A')} · {ambition.titre}",
                f"ambition-{ambition.code}",
                new_page=index > 0,
            )
            _fiche_section(ctx, doc, ctx.ref.fiche_of_ambition(ambition.code), ambition.code)
    for fiche in ctx.ref.fiches:
        if fiche.ambition is None:
            doc.heading(
                1,
                f"Fiche {fiche.code.removeprefix('F')} · {fiche.titre}",
                f"fiche-{fiche.code}",
                new_page=True,
            )
            _fiche_section(ctx, doc, fiche, fiche.code)


# -- charts ------------------------------------------------------------------------------------
def indicator_figure(figures: ReviewFigures, code: str, territory: str | None = None):
    """The panels' time series of one indicator for one territory (default: the EPCI), with its
    targets and the review's cut-off; BilanError (French) for an unknown code or territory."""
    ref, territories = figures.ref, figures.territories
    territory = territory or ref.epci
    if code not in ref.by_code:
        raise BilanError(f"Indicateur inconnu : « {code} » (voir le référentiel des indicateurs).")
    if territory not in territories.names:
        raise BilanError(
            f"Territoire inconnu : « {territory} » (code INSEE d'une commune, ou code d'une structure)."
        )
    ind = ref.indicator(code)
    if not ind.is_numeric:
        raise BilanError(f"« {ind.libelle} » n'est pas un indicateur chiffré : pas de graphique.")
    return charts.time_series_figure(
        figures.series(code, territory),
        ind,
        figures.review.cutoff,
        targets=figures.targets_of(code, territory),
        territory_label=territories.names[territory],
        provisional=figures.review.provisional,
        demo=figures.shows_demo(code),
    )


def _charts(ctx: _Context, fiche: Fiche | None) -> list[Raw]:
    """The fiche's charts, drawn by the panels' builders: the time series of its headline
    indicators, and the map of the communes for the first one the communes report."""
    if fiche is None:
        return []
    blocks: list[Raw] = []
    headlines = headline_indicators(ctx.ref, fiche.code)
    for ind in headlines:
        fig = indicator_figure(ctx.figures, ind.code)
        if not fig.data:
            continue  # no value and no target: nothing to draw, the table says « non renseigné »
        blocks.append(_figure(ctx, fig, CHART_HEIGHT, ""))
    for ind in headlines:
        if "commune" not in ind.niveaux:
            continue
        frame = ctx.figures.commune_values(ind.code)
        if frame["valeur"].notna().sum() == 0:
            continue
        if ctx.geojson is None:
            break
        fig = charts.commune_map_figure(
            frame,
            ctx.geojson,
            ind,
            ctx.review.figure_label,
            named=ctx.figures.largest_communes(MAP_NAMES),
            demo=ctx.figures.shows_demo(ind.code),
        )
        blocks.append(_figure(ctx, fig, MAP_HEIGHT, "En gris : communes sans valeur à la date d'arrêté."))
        break
    return blocks


def _figure(ctx: _Context, fig, height: int | None, caption: str) -> Raw:
    """The chart's block; its image is an empty one of the same size until the engine draws
    every chart of the document at once (`RenderEngine.submit_charts`)."""
    pixels = None if height is None else round(height * CHART_SCALE)
    request = ChartRequest(fig, round(LAYOUT_WIDTH * CHART_SCALE), pixels, CHART_SCALE)
    ctx.charts.append(request)
    return figure(
        placeholder_uri(len(ctx.charts) - 1, *request.pixels()),
        caption,
        alt=str((fig.layout.meta or {}).get("titre") or caption),
    )


# -- annexes -----------------------------------------------------------------------------------
def _completeness_annex(ctx: _Context, doc: Document) -> None:
    doc.heading(1, "Annexe : complétude de la collecte", "annexe-completude", new_page=True)
    rate = ctx.figures.completeness_rate
    doc.add(
        tag(
            "p",
            (
                "Valeurs attendues : chaque trimestre, les indicateurs trimestriels de chaque commune, "
                "structure et de l'EPCI selon leur niveau de collecte (les ratios, calculés, ne sont pas "
                f"attendus). Taux global du {period_label(ctx.review.quarters()[0].code)} au "
                f"{ctx.review.cutoff_label} : {format_value(rate, 'pourcentage')}."
            ),
        )
    )
    by_quarter = completeness.rate_by_quarter(ctx.matrix)
    doc.add(
        _figure(ctx, charts.completeness_figure(by_quarter, demo=ctx.figures.shows_demo()), CHART_HEIGHT, "")
    )
    rows = [
        [
            period_label(r.periode),
            format_number(r.attendus),
            format_number(r.recus),
            format_value(r.taux, "pourcentage"),
            format_number(r.sans_envoi),
        ]
        for r in by_quarter.itertuples()
    ]
    doc.add(
        table(
            ["Trimestre", "Valeurs attendues", "Valeurs reçues", "Taux", "Territoires sans envoi"],
            rows,
            numeric={1, 2, 3, 4},
        )
    )
    missing = ctx.figures.missing_territories
    doc.heading(3, f"Territoires sans aucune valeur pour {ctx.review.cutoff_label}", "completude-manquants")
    if missing:
        doc.add(tag("p", ", ".join(_territory_name(ctx, c) for c in missing) + "."))
    else:
        doc.add(tag("p", "Tous les territoires attendus ont transmis au moins une valeur.", class_="empty"))
    doc.add(
        tag("p", "Le taux de chaque commune sur la période figure dans l'annexe par commune.", class_="muted")
    )


def _coherence_annex(ctx: _Context, doc: Document) -> None:
    doc.heading(1, "Annexe : contrôles de cohérence entre indicateurs", "annexe-coherence", new_page=True)
    found = ctx.figures.violations
    doc.add(
        tag(
            "p",
            f"Règles de seed/regles_validation.csv ({len(ctx.ref.rules)} règles : une partie ne dépasse pas son "
            "tout, un total est la somme de ses parties…), vérifiées sur les valeurs en vigueur jusqu'à "
            f"{ctx.review.cutoff.year} : chaque commune et structure telle que déposée, l'agglomération telle "
            "que ce bilan la montre. Une erreur refuserait un dépôt qui la contient.",
        )
    )
    if found.empty:
        doc.add(tag("p", "Aucune incohérence entre indicateurs.", class_="empty"))
        return
    shown = violations_table(found, ctx.ref)
    doc.add(
        table(
            list(shown.columns),
            shown.values.tolist(),
            widths=["9%", "15%", "8%", "30%", "22%", "16%"],
            class_="data compact",
        )
    )


def _window(debut: object, fin: object) -> str:
    """`01/11/2026 – 31/12/2026`, or « date non fixée » for a due date the calendar leaves open."""
    if not isinstance(debut, dt.date) or not isinstance(fin, dt.date):
        return "date non fixée"
    return f"{debut:%d/%m/%Y} – {fin:%d/%m/%Y}"


def _governance_annex(ctx: _Context, doc: Document) -> None:
    doc.heading(1, "Annexe : gouvernance (réunions tenues et dues)", "annexe-gouvernance", new_page=True)
    as_of = ctx.as_of
    doc.add(
        tag(
            "p",
            f"Calendrier de l'Annexe 5 de la convention, comparé aux réunions enregistrées, "
            f"au {as_of:%d/%m/%Y}.",
        )
    )
    yearly = ctx.figures.governance_yearly()
    yearly = yearly[yearly["annee"] <= ctx.review.cutoff.year] if not yearly.empty else yearly
    rows = [
        [
            r.instance_libelle,
            str(r.annee),
            format_number(r.tenues),
            format_number(r.minimum),
            r.unite,
            badge(r.statut, GOVERNANCE_KINDS.get(r.statut, "neutral")),
        ]
        for r in yearly.itertuples()
    ]
    doc.heading(3, "Réunions tenues par instance et par année", "gouvernance-annees")
    doc.add(
        table(
            ["Instance", "Année", "Tenues", "Minimum dû", "Unité", "Statut"],
            rows,
            numeric={1, 2, 3},
            widths=["38%", "10%", "12%", "14%", "12%", "14%"],
        )
        if rows
        else tag("p", "Aucune échéance de gouvernance pour cette période.", class_="empty")
    )
    status = ctx.figures.governance_calendar()
    status = (
        status[(~status["recurrente"]) & (status["annee"] <= ctx.review.cutoff.year)]
        if not status.empty
        else status
    )
    doc.heading(3, "Échéances datées du calendrier", "gouvernance-echeances")
    rows = []
    for r in status.itertuples():
        held = ", ".join(d.strftime("%d/%m/%Y") for d in r.dates_tenues) or "aucune"
        rows.append(
            [
                r.libelle,
                _window(r.debut, r.fin),
                f"{r.tenues} / {r.attendues} {r.unite}",
                held,
                badge(r.statut, GOVERNANCE_KINDS.get(r.statut, "neutral")),
            ]
        )
    doc.add(
        table(
            ["Échéance", "Fenêtre", "Tenues / dues", "Dates", "Statut"],
            rows,
            widths=["36%", "20%", "16%", "16%", "12%"],
        )
        if rows
        else tag("p", "Aucune échéance datée pour cette période.", class_="empty")
    )
    doc.heading(3, "Alertes de gouvernance et de transmission", "gouvernance-alertes")
    doc.add(
        _alerts_block(
            [a for a in ctx.alerts if a.kind in ("gouvernance", "transmission")],
            "Aucune réunion due non tenue, aucun territoire sans transmission.",
        )
    )


def commune_key_indicators(ref: Reference, values: pd.DataFrame, n: int = COMMUNE_COLUMNS) -> list[Indicator]:
    """The indicators of the per-commune annex: per fiche in order, its headline indicators
    collected in the communes that have commune values, up to `n`."""
    has_commune_value = (
        set(values.loc[values["territoire"].isin({c.code for c in ref.communes()}), "indicateur"])
        if not values.empty
        else set()
    )
    picked: list[Indicator] = []
    for rank in range(3):
        for fiche in ref.fiches:
            heads = headline_indicators(ref, fiche.code, 3)
            if rank >= len(heads):
                continue
            ind = heads[rank]
            components = {ind.code, ind.numerateur, ind.denominateur} - {None}
            if "commune" in ind.niveaux and components & has_commune_value and ind not in picked:
                picked.append(ind)
            if len(picked) == n:
                return picked
    return picked


def _commune_annex(ctx: _Context, doc: Document) -> None:
    doc.heading(1, "Annexe : indicateurs clés par commune", "annexe-communes", new_page=True)
    review = ctx.review
    key = commune_key_indicators(ctx.ref, ctx.values)
    population = population_indicator(ctx.ref)
    columns: list[tuple[str, Indicator]] = ([("Population", population)] if population else []) + [
        (_short(i.libelle, 60), i) for i in key
    ]
    frames = {}
    for _, ind in columns:
        at_cut = ctx.figures.commune_values(ind.code)
        latest = ctx.figures.commune_values(ind.code, since_year=1900)
        frames[ind.code] = (at_cut.set_index("territoire"), latest.set_index("territoire"))
    old_used = False
    rows = []
    for commune in ctx.ref.communes():
        cells: list[object] = [commune.nom]
        for _, ind in columns:
            at_cut, latest = frames[ind.code]
            value = at_cut.at[commune.code, "valeur"] if commune.code in at_cut.index else None
            if _is_missing(value) and commune.code in latest.index:
                old = latest.at[commune.code, "valeur"]
                if not _is_missing(old):
                    old_used = True
                    cells.append(f"{format_value(old, ind.unite)}*")
                    continue
            cells.append(format_value(value, ind.unite) if not _is_missing(value) else "–")
        rate = ctx.figures.territory_rate(commune.code)
        cells.append(format_value(rate, "pourcentage") if rate is not None else "–")
        rows.append(cells)
    headers = ["Commune"] + [label for label, _ in columns] + ["Complétude"]
    units = ", ".join(
        f"{label} : {unit_label(ind.unite)}" for label, ind in columns[1:] if ind.unite not in ("nombre",)
    )
    doc.add(
        tag(
            "p",
            (
                f"Valeur de chaque commune à {review.cutoff_label} (stock : dernière valeur depuis {FIRST_YEAR} ; "
                "flux : cumul des trimestres de l'année). Complétude : part des valeurs trimestrielles attendues "
                f"reçues de {period_label(review.quarters()[0].code)} à {review.cutoff_label}. « – » : aucune valeur. "
                + (
                    "* : pas de valeur depuis le début de la convention, valeur de référence antérieure. "
                    if old_used
                    else ""
                )
                + (f"Unités : {units}." if units else "")
            ),
        )
    )
    rest = (100 - 18 - 9) / max(1, len(headers) - 2)
    doc.add(
        table(
            headers,
            rows,
            numeric=set(range(1, len(headers))),
            class_="data compact",
            widths=["18%"] + [f"{rest:.1f}%"] * (len(headers) - 2) + ["9%"],
        )
    )


def _methodology_annex(ctx: _Context, doc: Document) -> None:
    ref = ctx.ref
    review = ctx.review
    doc.heading(1, "Méthodologie et sources", "methodologie", new_page=True)
    if ctx.demo:
        doc.add(
            note(
                "Données de démonstration présentes : une partie des valeurs de ce bilan est générée "
                "(jeu de démonstration, non réel). Un administrateur du tableau de bord les retire ; "
                "le bilan doit alors être réédité.",
                "demo",
            )
        )
    doc.heading(3, "Revue et comparaisons", "methodo-revue")
    doc.add(
        bullet_list(
            [
                (
                    f"{review.label} : revue provisoire, son arrêté ({review.planned_cutoff.label}) n'est pas "
                    f"atteint ; données au {review.cutoff_label}, le dernier trimestre avec des données."
                    if review.provisional
                    else f"{review.label} : données arrêtées au {review.cutoff_label} (dernier trimestre "
                    f"complet avant la revue, tenue au plus tard le {review.held_on:%d/%m/%Y})."
                ),
                f"Référence : dernière valeur annuelle connue avant {FIRST_YEAR} (diagnostic de la convention).",
                "Un stock (places, structures) prend la dernière valeur connue ; un flux (actions, montants) additionne "
                "les trimestres de l'année ; avant le 4e trimestre, il est ramené à l'année pour les comparaisons.",
                "Agrégation territoriale : les valeurs des communes et des structures s'additionnent ; une valeur "
                "donnée directement pour l'agglomération prime sur la somme de ses parties ; un ratio est toujours "
                "recalculé à partir de son numérateur et de son dénominateur agrégés, jamais moyenné.",
                f"Statut : progression ou recul selon le sens souhaité de l'indicateur ; « stable » à ±"
                f"{format_number(100 * TOLERANCE)} % près (±{format_number(TOLERANCE_POINTS)} point pour un pourcentage).",
                "Cibles : fixées par les administrateurs pour 2028 (mi-parcours) et 2030 (fin de convention).",
            ]
        )
    )
    doc.heading(3, "Indicateurs calculés", "methodo-calcules")
    rows = []
    for ind in ref.indicators:
        if ind.is_computed:
            num, den = ref.indicator(ind.numerateur), ref.indicator(ind.denominateur)  # type: ignore[arg-type]
            rows.append(
                [ind.libelle, f"{format_number(ind.facteur)} × {num.libelle} ÷ {den.libelle}", ind.section]
            )
    doc.add(
        table(
            ["Indicateur", "Définition (facteur × numérateur ÷ dénominateur)", "Section"],
            rows,
            widths=["32%", "48%", "20%"],
        )
        if rows
        else tag("p", "Aucun indicateur calculé.", class_="empty")
    )
    doc.heading(3, "Origine des valeurs de référence", "methodo-sources")
    doc.add(
        tag(
            "p",
            "Chaque valeur de référence provient de la convention signée ; la section citée "
            "permet de la retrouver. Les valeurs par commune sont regroupées.",
        )
    )
    doc.add(_sources_table(ctx))
    conflicts = _conflicts_table(ctx)
    if conflicts:
        doc.heading(3, "Valeurs contradictoires dans la convention", "methodo-conflits")
        doc.add(
            tag(
                "p",
                "La convention donne parfois deux valeurs pour la même chose : les deux sont "
                "conservées et signalées ; celle que les calculs utilisent est désignée dans "
                "seed/, avec sa raison, et jamais choisie en silence.",
            ),
            conflicts,
        )
    doc.heading(3, "Sources des données de suivi", "methodo-suivi")
    producers = sorted({i.source_donnee for i in ref.indicators})
    doc.add(
        tag(
            "p",
            "Fournisseurs des valeurs de suivi, selon le catalogue : " + ", ".join(producers) + ". "
            "Les valeurs sont déposées trimestriellement ou annuellement par les communes, les "
            "structures et les chargés de coopération ; chaque dépôt est conservé et traçable.",
        )
    )


def _sources_table(ctx: _Context) -> Raw:
    ref = ctx.ref
    groups: dict[tuple[str, str], list] = {}
    for obs in ref.observations:
        groups.setdefault((obs.indicateur, obs.section), []).append(obs)
    rows: list[list[object]] = []
    for (code, section), items in sorted(
        groups.items(), key=lambda kv: ([i.code for i in ref.indicators].index(kv[0][0]), kv[0][1])
    ):
        ind = ref.indicator(code)
        epci = [o for o in items if o.territoire == ref.epci]
        others = [o for o in items if o.territoire != ref.epci]
        parts = [f"{format_value(o.valeur, ind.unite)} ({period_label(o.periode)})" for o in epci[:3]]
        if others:
            kinds = {ctx.territories.types.get(o.territoire, "") for o in others}
            what = "communes" if kinds == {"commune"} else "territoires"
            periods = sorted({period_label(o.periode) for o in others})
            parts.append(f"{len({o.territoire for o in others})} {what} ({', '.join(periods[:3])})")
        rows.append([ind.libelle, " ; ".join(parts), section])
    return table(
        ["Indicateur", "Valeur(s) de référence", "Section de la convention"],
        rows,
        widths=["40%", "30%", "30%"],
        class_="data compact",
    )


def _conflicts_table(ctx: _Context) -> Raw | None:
    frame = contradictions_frame(ctx.ref)
    if frame.empty:
        return None
    rows = [
        [
            r.sujet,
            r.enonce,
            r.section,
            f"oui : {r.arbitrage}"
            if r.retenu
            else ("non" if r.conflit in retained else (r.note if isinstance(r.note, str) else "—")),
        ]
        for retained in [set(frame[frame["retenu"]]["conflit"])]
        for r in frame.itertuples()
    ]
    return table(
        ["Sujet", "Énoncé", "Section", "Retenu par le tableau de bord"],
        rows,
        widths=["24%", "16%", "30%", "30%"],
    )


# -- assembling --------------------------------------------------------------------------------
def bilan_html(ctx: _Context, pages: dict[str, int] | None = None) -> tuple[str, Document]:
    """The HTML of the bilan with a placeholder for each chart (see `_figure`), and
    its document (for the table of contents)."""
    doc = Document(f"{ctx.ref.convention.nom} · {ctx.review.label}")
    _summary_section(ctx, doc)
    _ambition_sections(ctx, doc)
    _completeness_annex(ctx, doc)
    _governance_annex(ctx, doc)
    _commune_annex(ctx, doc)
    _coherence_annex(ctx, doc)
    _methodology_annex(ctx, doc)
    return doc.html(cover=_cover(ctx), pages=pages), doc


def make_bilan(figures: ReviewFigures, *, geojson: dict | None = None, started: float | None = None) -> Bilan:
    """Build the bilan of a review's figures and say how long it took and how many pages it has.

    `geojson`: the communes' polygons for the maps (none drawn without it); `started`: when
    the reading began (`time.perf_counter()`), for the timings.
    """
    started = started if started is not None else time.perf_counter()
    ref, review, today = figures.ref, figures.review, figures.today
    timings: dict[str, float] = {}

    def lap(step: str, since: float) -> float:
        now = time.perf_counter()
        timings[step] = now - since
        return now

    ctx = _Context(figures, geojson=geojson)
    mark = lap("lecture et calculs", started)
    conv = ref.convention
    header = (
        f"CTG {conv.debut.year}-{conv.fin.year} · {figures.territories.names.get(conv.epci, conv.epci)}"
        f" · {review.label}"
    )
    footer = (
        f"Données {'au' if review.provisional else 'arrêtées à'} {review.figure_label} · édité le {today:%d/%m/%Y}"
        + (" · CONTIENT DES DONNÉES DE DÉMONSTRATION" if ctx.demo else "")
        + (" · CONVENTION FICTIVE" if conv.demonstration else "")
    )
    with rendering() as engine:
        engine.start_charts()  # Chromium loads plotly.js while the HTML is written
        mark = lap("démarrage du moteur", mark)
        html, doc = bilan_html(ctx)
        mark = lap("HTML", mark)
        charts = engine.submit_charts(ctx.charts)
        mark = lap("graphiques lancés", mark)

        def toc_pages(first: bytes) -> dict[str, str]:
            # the headings' pages in the first print fill the table of contents of the second
            pages = pdf_destinations(first)
            return {doc.page_cell_id(e.anchor): str(pages[e.anchor]) for e in doc.toc if e.anchor in pages}

        # the first print lays the pages out while Chromium draws the charts (same size)
        pdf = engine.pdf(html, header=header, footer=footer, relabel=toc_pages, charts=charts)
        mark = lap("graphiques et impression (deux passes)", mark)
        html = charts.fill(html)
        images = engine.images
    lap("arrêt du moteur", mark)
    return Bilan(
        pdf=pdf,
        review=review,
        pages=pdf_page_count(pdf),
        seconds=time.perf_counter() - started,
        images=images,
        sections=[e.title for e in doc.toc if e.level == 1],
        timings=timings,
        html=html,
    )
