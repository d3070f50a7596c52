"""Validation rules across indicators (`seed/regles_validation.csv`), evaluated over values.

A rule says `gauche operateur droite` for the same territory and period, each side a sum
of indicator codes (or a number, or NOMBRE_COMMUNES): children with a handicap ≤ children
accueillis en EAJE, ETP ≤ headcount, total = sum of its parts... A quarterly indicator is
compared with the yearly value of its year (places EAJE of T3 2026 ≤ places d'accueil
2026). A rule is checked only where every indicator it names has a value.

    >>> violations(values, ref)          # every violation of a frame of values
    >>> check_upload(report, ref, stored)  # an upload, merged with the stored values

Adding a rule is adding a line to the seed file; nothing here names an indicator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.aggregation import Territories, territory_periods
from indicators.catalogue import COMMUNE_COUNT, Reference, ValidationRule
from indicators.formatting import format_value
from indicators.periods import Period, parse_period, period_label
from indicators.validation import Issue, Report, finish_report

RULE_ISSUE_KIND = "regle-de-coherence"
OPERATOR_SIGNS = {"<=": "≤", ">=": "≥", "=": "=", "<": "<", ">": ">"}
# What a failed comparison says of the left side.
FAILED_WORDS = {
    "<=": "dépasse",
    "<": "n'est pas inférieur à",
    ">=": "est inférieur à",
    ">": "n'est pas supérieur à",
    "=": "diffère de",
}
VIOLATION_COLUMNS = [
    "regle",
    "gravite",
    "message",
    "section",
    "territoire",
    "periode",
    "operateur",
    "gauche",
    "droite",
    "detail_gauche",
    "detail_droite",
    "lignes",
]


def holds(left: float, operator: str, right: float) -> bool:
    """The comparison, with a tolerance of half a cent (sums of amounts are floats)."""
    slack = 0.005 + 1e-9 * max(abs(left), abs(right))
    if operator == "<=":
        return left <= right + slack
    if operator == ">=":
        return left >= right - slack
    if operator == "<":
        return left < right - slack
    if operator == ">":
        return left > right + slack
    return abs(left - right) <= slack


def codes_involved(ref: Reference, report: Report) -> list[str]:
    """Every indicator of the rules that name an indicator of the file's clean rows."""
    present = set() if report.clean is None else set(report.clean["indicateur"].unique())
    return sorted({c for rule in ref.rules if present & set(rule.codes()) for c in rule.codes()})


def _quarterly(ref: Reference, code: str) -> bool:
    return ref.indicator(code).periodicite == "trimestrielle"


def _slots(rule: ValidationRule, ref: Reference, frame: pd.DataFrame) -> pd.DataFrame:
    """(territoire, periode) pairs where the rule is checked: the periods of its quarterly
    indicators when it has some, else the years of its yearly ones."""
    quarterly = [c for c in rule.codes() if _quarterly(ref, c)]
    base = frame[frame["indicateur"].isin(quarterly or rule.codes())]
    return base[["territoire", "periode"]].drop_duplicates()


def _term(term: str, territory: str, period: str, ref: Reference, lookup: dict, n_communes: int):
    """(value, (code, value, origin) or None) of one term of a side; value None if missing."""
    if term == COMMUNE_COUNT:
        return float(n_communes), None
    if term not in ref.by_code:
        return float(term.replace(",", ".")), None
    key_period = period
    if not _quarterly(ref, term):
        key_period = str(parse_period(period).year)
    hit = lookup.get((term, territory, key_period))
    if hit is None:
        return None, None
    return hit[0], (term, hit[0], hit[1], hit[2])


def _side_text(parts: list[tuple], constants: list[str], ref: Reference) -> str:
    texts = [
        f"{code} = {format_value(value, ref.indicator(code).unite)}" + (f" ({origin})" if origin else "")
        for code, value, origin, _line in parts
    ]
    texts += ["nombre de communes" if c == COMMUNE_COUNT else c for c in constants]
    return " + ".join(texts)


def _unit(rule: ValidationRule, ref: Reference) -> str:
    return ref.indicator(rule.codes()[0]).unite


def violations(
    frame: pd.DataFrame, ref: Reference, rules: Iterable[ValidationRule] | None = None
) -> pd.DataFrame:
    """Every violation of the rules in `frame` (columns indicateur, territoire, periode,
    valeur; optional `origine`, a French word on where the value comes from, and `ligne`,
    the line of an uploaded file). One row per (rule, territory, period): see
    VIOLATION_COLUMNS; `lignes` lists the file lines involved (empty when none)."""
    rules = list(ref.rules if rules is None else rules)
    if frame.empty or not rules:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    types = {t.code: t.type for t in ref.territories}
    numeric = frame[frame["valeur"].notna()]
    values: dict[str, dict[tuple[str, str], float]] = {}  # code -> (territoire, periode) -> value
    for i, t, p, v in zip(
        numeric["indicateur"].tolist(),
        numeric["territoire"].tolist(),
        numeric["periode"].astype(str).tolist(),
        numeric["valeur"].tolist(),
        strict=True,
    ):
        values.setdefault(i, {})[(t, p)] = float(v)
    numeric_codes = numeric["indicateur"]
    levels = numeric["territoire"].map(types)  # commune, structure, epci...
    lookup: dict | None = None  # built for the slots that fail only
    n_communes = len(ref.communes())
    out = []
    for rule in rules:
        mine = numeric_codes.isin(rule.codes())
        if not mine.any():
            continue
        sub = numeric[mine & levels.isin(rule.niveaux)]
        slots = _slots(rule, ref, sub)
        failing = slots[_fails(rule, slots, ref, values, n_communes)]
        if failing.empty:
            continue
        if lookup is None:
            origins = numeric["origine"] if "origine" in numeric else pd.Series(None, index=numeric.index)
            lines = numeric["ligne"] if "ligne" in numeric else pd.Series(None, index=numeric.index)
            lookup = {
                (i, t, str(p)): (float(v), o if isinstance(o, str) else None, ln)
                for i, t, p, v, o, ln in zip(
                    numeric["indicateur"].tolist(),
                    numeric["territoire"].tolist(),
                    numeric["periode"].tolist(),
                    numeric["valeur"].tolist(),
                    origins.tolist(),
                    lines.tolist(),
                    strict=True,
                )  # plain lists: iterating arrow-backed columns is slow
            }
        for territory, period in failing.itertuples(index=False):
            sides = []
            for terms in (rule.gauche, rule.droite):
                total, parts, constants = 0.0, [], []
                for term in terms:
                    value, part = _term(term, territory, str(period), ref, lookup, n_communes)
                    if value is None:
                        total = None
                        break
                    total += value
                    (parts.append(part) if part else constants.append(term))
                if total is None:
                    break
                sides.append((total, parts, constants))
            if len(sides) < 2:
                continue  # an indicator of the rule has no value here: nothing to check
            (left, lparts, lconst), (right, rparts, rconst) = sides
            if holds(left, rule.operateur, right):
                continue
            involved = sorted(
                {int(p[3]) for p in (*lparts, *rparts) if p[3] is not None and not _is_nan(p[3])}
            )
            out.append(
                {
                    "regle": rule.code,
                    "gravite": rule.gravite,
                    "message": rule.message,
                    "section": rule.section,
                    "territoire": territory,
                    "periode": str(period),
                    "operateur": rule.operateur,
                    "gauche": left,
                    "droite": right,
                    "detail_gauche": _side_text(lparts, lconst, ref),
                    "detail_droite": _side_text(rparts, rconst, ref),
                    "lignes": involved,
                }
            )
    return pd.DataFrame(out, columns=VIOLATION_COLUMNS)


def _fails(rule: ValidationRule, slots: pd.DataFrame, ref: Reference, values: dict, n_communes: int):
    """For each slot (territoire, periode), whether both sides have every value and the
    comparison fails: the sides summed as arrays, in the same order as `_term` does, so
    that only the failing slots are described one by one."""
    territories = slots["territoire"].to_numpy(dtype=object)
    periods = slots["periode"].astype(str)
    years = periods.map({p: str(parse_period(p).year) for p in periods.unique()}).to_numpy(dtype=object)
    periods = periods.to_numpy(dtype=object)
    complete = np.ones(len(slots), dtype=bool)
    totals = []
    for terms in (rule.gauche, rule.droite):
        total = np.zeros(len(slots))
        for term in terms:
            if term == COMMUNE_COUNT:
                total += float(n_communes)
            elif term not in ref.by_code:
                total += float(term.replace(",", "."))
            else:
                known = values.get(term, {})
                keys = zip(territories, periods if _quarterly(ref, term) else years, strict=True)
                found = np.fromiter((known.get(k, np.nan) for k in keys), dtype=float, count=len(slots))
                complete &= ~np.isnan(found)
                total += np.nan_to_num(found)
        totals.append(total)
    left, right = totals
    slack = 0.005 + 1e-9 * np.maximum(np.abs(left), np.abs(right))
    holding = {
        "<=": left <= right + slack,
        ">=": left >= right - slack,
        "<": left < right - slack,
        ">": left > right + slack,
    }.get(rule.operateur)
    if holding is None:
        holding = np.abs(left - right) <= slack
    return complete & ~holding


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def describe(violation: pd.Series | dict, ref: Reference) -> str:
    """One French sentence for a violation: where, both values with their origin, the rule."""
    names = {t.code: t.nom for t in ref.territories}
    territory = violation["territoire"]
    where = f"{names.get(territory, territory)} ({territory}), {period_label(violation['periode'])}"
    word = FAILED_WORDS[violation["operateur"]]
    return (
        f"{where} : {violation['detail_gauche']} {word} {violation['detail_droite']}. "
        f"{violation['message']} (règle {violation['regle']} ; {violation['section']})."
    )


# -- at upload ---------------------------------------------------------------------------------
def check_upload(report: Report, ref: Reference, stored: pd.DataFrame) -> Report:
    """Add to `report` the violations the file takes part in, the file merged with the
    `stored` current values (a file value replaces the stored one of its key). An `erreur`
    refuses the file; an `avertissement` shows in the preview. Each names the lines
    involved on both sides and the stored values used. Nothing happens to a file that
    already has errors."""
    if not report.valid or not report.n_rows or not ref.rules:
        return report
    clean = report.clean
    codes = {c for rule in ref.rules for c in rule.codes()}
    clean = clean[clean["indicateur"].isin(codes)]  # the other rows take part in no rule
    if clean.empty:
        return report
    rows = pd.DataFrame(
        {
            "indicateur": clean["indicateur"].to_numpy(),
            "territoire": clean["territoire"].to_numpy(),
            "periode": clean["periode"].to_numpy(),
            "valeur": clean["valeur"].to_numpy(dtype=float),
            "origine": ["ligne " + str(n) for n in clean["ligne"].tolist()],
            "ligne": clean["ligne"].to_numpy(dtype=float),
        }
    )
    if not stored.empty:
        kept = stored[stored["territoire"].isin(set(rows["territoire"]))]
        fresh = (
            kept[["indicateur", "territoire", "periode"]]
            .merge(
                rows[["indicateur", "territoire", "periode"]].drop_duplicates(), how="left", indicator=True
            )["_merge"]
            .to_numpy()
            == "left_only"
        )
        kept = kept[fresh]
        kept = kept.assign(origine="valeur enregistrée", ligne=float("nan"))[list(rows.columns)]
        merged = pd.concat([rows, kept], ignore_index=True) if not kept.empty else rows
    else:
        merged = rows
    found = violations(merged, ref)
    by_code = {r.code: r for r in ref.rules}
    for v in found.itertuples(index=False):
        if not v.lignes:
            continue  # a violation already in the store: the file does not take part in it
        lines = ", ".join(str(n) for n in v.lignes)
        report.add(
            Issue(
                v.lignes[0],
                "valeur",
                format_value(v.gauche, _unit(by_code[v.regle], ref)),
                RULE_ISSUE_KIND,
                f"Ligne{'s' if len(v.lignes) > 1 else ''} {lines} : " + describe(v._asdict(), ref),
                v.gravite,
            )
        )
    return finish_report(report)


# -- over the store, for a review ------------------------------------------------------------------
def store_violations(
    values: pd.DataFrame, ref: Reference, cutoff: Period, territories: Territories | None = None
) -> pd.DataFrame:
    """Every violation in the current values of the years up to a review's cut-off (the
    yearly values of the cut-off's year included: they are checked as soon as they are
    stored): each commune and structure as given, and the agglomeration as the panels show
    it (its own value, else the sum of its parts). Sorted: errors first, then by rule,
    territory and period."""
    codes = sorted({c for rule in ref.rules for c in rule.codes()})
    if values.empty or not codes:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    mine = values[values["indicateur"].isin(codes) & values["valeur"].notna()]
    years = {p: parse_period(p).year for p in mine["periode"].unique()}
    mine = mine[mine["periode"].map(years) <= cutoff.year]
    direct = mine[mine["territoire"] != ref.epci][["indicateur", "territoire", "periode", "valeur"]]
    direct = direct.assign(origine=None)
    area = territory_periods(mine, ref, ref.epci, territories or Territories(ref))
    area = area[~area["indicateur"].str.contains("~", regex=False)]
    area = area[["indicateur", "territoire", "periode", "valeur"]].assign(origine="agglomération")
    found = violations(pd.concat([direct, area], ignore_index=True), ref)
    if found.empty:
        return found
    order = {"erreur": 0, "avertissement": 1}
    found = found.assign(_o=found["gravite"].map(order))
    return (
        found.sort_values(["_o", "regle", "territoire", "periode"]).drop(columns="_o").reset_index(drop=True)
    )


def violations_table(found: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The violations for display (French headers, every cell a text)."""
    columns = ["Gravité", "Territoire", "Période", "Valeurs", "Règle", "Section de la convention"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    names = {t.code: t.nom for t in ref.territories}
    return pd.DataFrame(
        {
            "Gravité": found["gravite"],
            "Territoire": [f"{names.get(t, t)} ({t})" for t in found["territoire"]],
            "Période": found["periode"].map(period_label),
            "Valeurs": [
                f"{g} {FAILED_WORDS[o]} {d}"
                for g, o, d in zip(
                    found["detail_gauche"], found["operateur"], found["detail_droite"], strict=True
                )
            ],
            "Règle": [f"{m} ({c})" for m, c in zip(found["message"], found["regle"], strict=True)],
            "Section de la convention": found["section"],
        },
        columns=columns,
    )
