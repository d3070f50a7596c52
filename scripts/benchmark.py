"""The benchmark suite: each figure of the product beside its baseline, measured in the same run.

    make bench                                                  # every scenario, every scale
    .venv/bin/python scripts/benchmark.py --scales agglomeration # a quick run (about 2 min)
    .venv/bin/python scripts/benchmark.py --scales agglomeration,1000 --scenarios vue,commune
    .venv/bin/python scripts/benchmark.py --extras              # then the page, pilotage and account timings

Scales: the agglomeration (the real reference and the demonstration data, as `make run` leaves
the store: 100 communes), then 1 000, 10 000 and 35 000 communes: SYNTHETIC communes added
to a scratch DuckDB store (scripts/benchmark_store.py), each holding the values of one real
commune. The 35 000 run takes minutes (never run it in the tests).

Each scenario runs twice in its own fresh Python process, once through the product's use
case and once through its baseline (scripts/benchmark_baselines.py: one hand-written SQL
query, DuckDB's COPY, a minimal pandas + DuckDB upload pipeline, one print of the finished
bilan), so that the peak memory (`ru_maxrss`) is the scenario's own. Each scenario has a warm-up
run, then three timed runs (median) when it took under 2 s, one under 20 s, else the warm-up
is the measure (the largest scales).
Before printing a ratio, the figures of both sides are compared (« mêmes chiffres »).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TODAY = dt.date(2026, 11, 29)  # the day of the annual review 2026: 2026-T3 is uploadable
END = dt.date(2030, 12, 31)  # the 100 000-row file spans the whole convention
REVIEW = "annuelle-2026"
BILAN_REVIEW = "mi-parcours"
COMMUNE = "62119"  # Béthune
FICHE, INDICATOR = "F1", "PE_PLACES_EAJE"  # ambition 1, the indicator of the README's example link
SCALES = {"agglomeration": None, "1000": 1000, "10000": 10_000, "35000": 35_000}
QUICK, SLOW = 2.0, 20.0  # seconds: see `measure`
FILES = {"depot-csv": "trimestre.csv", "depot-xlsx": "trimestre.xlsx", "depot-100k": "cent-mille.csv"}


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    baseline: str
    agglomeration_only: bool = False


SCENARIOS = [
    Scenario("vue", "Vue d'ensemble : chiffres de la revue", "une requête SQL écrite à la main"),
    Scenario("ambition", "Page Ambition 1 (PE_PLACES_EAJE)", "requêtes SQL écrites à la main"),
    Scenario("commune", "Page Commune (Béthune)", "une requête SQL écrite à la main"),
    Scenario(
        "donnees",
        "Page Données (sans filtre, puis Béthune)",
        "deux requêtes SQL écrites à la main (lignes et compte)",
    ),
    Scenario("export", "Export des valeurs (CSV)", "COPY de DuckDB"),
    Scenario("depot-csv", "Dépôt trimestriel CSV (100 communes)", "pipeline minimal pandas + DuckDB"),
    Scenario(
        "depot-xlsx",
        "Dépôt trimestriel XLSX (100 communes)",
        "pipeline minimal python-calamine (openpyxl sans lui) + DuckDB",
    ),
    Scenario("depot-100k", "Dépôt de 100 000 lignes (CSV)", "pipeline minimal pandas + DuckDB"),
    Scenario("bilan", "Bilan mi-parcours (PDF)", "Chromium imprime le même HTML (une passe)", True),
]
BY_KEY = {s.key: s for s in SCENARIOS}


# =============================================================================================
# Child side: one scenario, one side, in a fresh process
# =============================================================================================
@dataclass
class Ctx:
    store: Path
    seed: Path
    work: Path
    scale: str

    def reference(self):
        from indicators.catalogue import load_reference

        return load_reference(self.seed)

    def copy_store(self) -> Path:
        """A fresh copy of the scale's store, for a scenario that writes."""
        target = self.work / f"copie-{os.getpid()}-{time.monotonic_ns()}.duckdb"
        shutil.copy(self.store, target)
        return target


Side = tuple[Callable[[], object], Callable[[object], object], Callable[[object], object]]


def _figures(frame, columns=("valeur", "reference", "annee_precedente"), skip=()) -> dict[str, list]:
    """{code: [value, ...]} of a summary-like frame, for the comparison of both sides."""
    out = {}
    for row in frame.itertuples(index=False):
        code = row.code if hasattr(row, "code") else row.indicateur
        if code in skip:
            continue
        out[str(code)] = [None if _nan(getattr(row, c)) else float(getattr(row, c)) for c in columns]
    return out


def _nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan")


def product(ctx: Ctx, key: str) -> Side:
    from indicators.access import SYSTEM

    ref = ctx.reference()
    derived = {d.code for d in ref.derived}

    def open_store():
        from db.store import Store

        return Store(ctx.store)

    if key in ("vue", "ambition", "commune"):
        from services.review import gather_review

        def run(store):
            figures = gather_review(store, ref, REVIEW, today=TODAY)
            if key == "vue":
                return figures
            if key == "commune":
                return figures.summary_of(COMMUNE)
            rows = figures.summary[figures.summary["fiche"] == FICHE]
            return rows, figures.series(INDICATOR), figures.commune_values(INDICATOR)

        def check(result):
            if key == "vue":
                out = _figures(result.summary, skip=derived)
                out["_completude"] = [round(result.completeness_rate, 9), len(result.missing_territories)]
                return out
            if key == "commune":
                return _figures(result, skip=derived)
            rows, series, communes = result
            return {
                "resume": _figures(rows, skip=derived),
                "serie": dict(zip(series["periode"], series["valeur"].astype(float), strict=True)),
                "communes": {
                    t: (None if _nan(v) else float(v))
                    for t, v in zip(communes["territoire"], communes["valeur"], strict=True)
                },
            }

        return open_store, run, check
    if key == "donnees":
        from services.values import values_page

        def run(store):
            return [values_page(store, ref, include_demo=True, territoires=t) for t in ([], [COMMUNE])]

        def check(pages):
            return [_rows_digest(p.rows["indicateur"], p.rows["valeur"], p.matching) for p in pages]

        return open_store, run, check
    if key == "export":
        from services.exports import export_bytes

        return open_store, lambda store: export_bytes(store, ref, ".csv"), _csv_digest
    if key in FILES:
        from db.store import Store
        from services.uploads import commit_import, prepare_import

        data = (ctx.work / FILES[key]).read_bytes()
        big = key == "depot-100k"

        def setup():
            return Store(ctx.copy_store())

        def run(store):
            plan = prepare_import(
                store,
                ref,
                data,
                FILES[key],
                SYSTEM,
                today=END if big else TODAY,
                max_rows=200_000 if big else None,
                max_bytes=50 * 1_048_576 if big else None,
            )
            if not plan.accepted:
                return {"errors": len(plan.report.errors), "first": str(plan.report.errors[:2])}
            result = commit_import(store, ref, plan, SYSTEM)
            counts = result.plan.counts
            return {k: counts[k] for k in ("new", "changed", "unchanged")}

        return setup, run, lambda r: r
    if key == "bilan":
        import reports.render  # noqa: F401  (the imports a running server has already paid for)
        from services.bilan import build_bilan

        def run(store):
            return build_bilan(store, ref, BILAN_REVIEW, today=TODAY)

        def check(bilan):
            return {
                "pages": bilan.pages,
                "images": bilan.images,
                "etapes": {k: round(v, 2) for k, v in bilan.timings.items()},
            }

        return open_store, run, check
    raise SystemExit(f"scénario inconnu : {key}")


def baseline(ctx: Ctx, key: str) -> Side:
    import benchmark_baselines as bl

    ref = ctx.reference()
    convention = ref.convention.code
    derived = [d.code for d in ref.derived]
    cutoff = (2026, 3)  # REVIEW's cut-off, 2026-T3
    surveys = (
        [q.code for b in ref.surveys.barometres for q in b.questions] if ref.surveys else [],
        ref.surveys.effectif_minimum if ref.surveys else 0,
    )

    if key in ("vue", "ambition", "commune"):

        def run(_):
            with bl.connect(ctx.store) as con:
                if key == "vue":
                    return bl.review_sql(
                        con, convention, bl.EPCI, cutoff, surveys=surveys
                    ), bl.completeness_sql(con, convention, cutoff, derived)
                if key == "commune":
                    return bl.review_sql(con, convention, COMMUNE, cutoff, surveys=surveys)
                codes = [i.code for i in ref.indicators if i.fiche == FICHE]
                codes += [
                    c for i in ref.indicators if i.fiche == FICHE for c in (i.numerateur, i.denominateur) if c
                ]
                flux = ref.indicator(INDICATOR).agregation_temps == "flux"
                return (
                    bl.review_sql(con, convention, bl.EPCI, cutoff, sorted(set(codes)), surveys),
                    bl.series_sql(con, convention, INDICATOR),
                    bl.communes_at_cutoff_sql(con, convention, INDICATOR, cutoff, flux),
                )

        def check(result):
            if key == "vue":
                frame, (rate, silent) = result
                out = _figures(frame, skip=set(derived))
                out["_completude"] = [round(rate, 9), silent]
                return out
            if key == "commune":
                return _figures(result, skip=set(derived))
            frame, series, communes = result
            fiche = {i.code for i in ref.indicators if i.fiche == FICHE}
            return {
                "resume": _figures(frame[frame["indicateur"].isin(fiche)], skip=set(derived)),
                "serie": dict(zip(series["periode"], series["valeur"].astype(float), strict=True)),
                "communes": {
                    t: (None if _nan(v) else float(v))
                    for t, v in zip(communes["territoire"], communes["valeur"], strict=True)
                },
            }

        return lambda: None, run, check
    if key == "donnees":
        from services.values import DISPLAY_LIMIT

        def run(_):
            with bl.connect(ctx.store) as con:
                return [bl.values_page_sql(con, convention, t, DISPLAY_LIMIT) for t in (None, COMMUNE)]

        def check(pages):
            return [_rows_digest(rows["indicateur"], rows["valeur"], n) for rows, n in pages]

        return lambda: None, run, check
    if key == "export":

        def run(_):
            with bl.connect(ctx.store) as con:
                return bl.export_csv(con, convention, ctx.work / f"export-{os.getpid()}.csv")

        return lambda: None, run, _csv_digest
    if key in FILES:
        data = (ctx.work / FILES[key]).read_bytes()
        today = END if key == "depot-100k" else TODAY
        return (
            ctx.copy_store,
            lambda path: {
                k: v
                for k, v in bl.minimal_upload(path, data, FILES[key], convention, today).items()
                if k != "warnings"
            },
            lambda r: r,
        )
    if key == "bilan":
        from db.store import Store
        from reports.render import RenderEngine, pdf_page_count
        from services.bilan import build_bilan

        with Store(ctx.store) as store:
            html = build_bilan(store, ref, BILAN_REVIEW, today=TODAY).html  # not timed: the finished document

        def run(_):
            engine = RenderEngine()
            try:
                return engine.pdf(html, header="CTG · en-tête", footer="Données arrêtées · pied de page")
            finally:
                engine.close()

        return lambda: None, run, lambda pdf: {"pages": pdf_page_count(pdf)}
    raise SystemExit(f"scénario inconnu : {key}")


def _rows_digest(indicators, values, matching: int) -> dict[str, object]:
    """What both sides of the page Données must agree on: rows, their indicators, their sum."""
    numbers = [float(v) for v in values if not _nan(v)]
    return {
        "lignes": len(indicators),
        "indicateurs": sorted(set(indicators)),
        "somme": round(sum(numbers), 3),
        "correspondantes": int(matching),
    }


def _csv_digest(data: bytes) -> dict[str, object]:
    """Rows and a digest of (indicator, territory, period, value) of a values export."""
    import pandas as pd

    frame = pd.read_csv(
        io.BytesIO(data), sep=";", decimal=",", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    values = pd.to_numeric(frame["valeur"].str.replace(",", "."), errors="coerce").round(6).astype(str)
    keys = sorted(frame["indicateur"] + "|" + frame["territoire"] + "|" + frame["periode"] + "|" + values)
    return {"lignes": len(frame), "empreinte": hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]}


def measure(side: Side) -> dict[str, object]:
    """A warm-up run, then: three timed runs (the median) when it took under QUICK seconds, one
    timed run under SLOW seconds, else the warm-up itself is the measure (a big scale)."""
    setup, run, check = side

    def once() -> tuple[float, object]:
        state = setup()
        started = time.perf_counter()
        result = run(state)
        elapsed = time.perf_counter() - started
        _close(state)
        return elapsed, result

    first, result = once()
    runs = 3 if first < QUICK else (1 if first < SLOW else 0)
    times = [first] if runs == 0 else []
    for _ in range(runs):
        elapsed, result = once()
        times.append(elapsed)
    return {
        "secondes": statistics.median(times),
        "passages": len(times),
        "chiffres": check(result) if check else None,
        "memoire_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _close(state: object) -> None:
    """Close a store opened for one run and delete the copy it wrote to."""
    path = state if isinstance(state, Path) else getattr(state, "path", None)
    close = getattr(state, "close", None)
    if callable(close):
        close()
    if isinstance(path, Path) and path.name.startswith("copie-"):
        path.unlink(missing_ok=True)
        Path(str(path) + ".wal").unlink(missing_ok=True)


def child_run(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    ctx = Ctx(Path(args.store), Path(args.seed), Path(args.work), args.scale)
    side = product(ctx, args.run) if args.side == "produit" else baseline(ctx, args.run)
    print(json.dumps(measure(side), default=str))


# -- preparing a scale -------------------------------------------------------------------------
def child_prepare(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    import benchmark_store

    work = Path(args.work)
    store, seed, held = benchmark_store.build(work, SCALES[args.prepare])
    if not all((work / name).exists() for name in FILES.values()):
        _upload_files(work)
    print(json.dumps({"store": str(store), "seed": str(seed), **held}))


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")


def _upload_files(work: Path) -> None:
    """The quarterly file of the 100 real communes (2026-T3, CSV and XLSX) and a 100 000-row CSV.

    Values come from the store (reference + demonstration), so that every rule of the
    product holds: the quarterly file lowers each commune's 2026-T3 values by the same
    random factor (parts stay within their wholes); the big file repeats each territory's
    latest known values over every period of the convention (2026-2030), then identical
    rows up to 100 000. Both are checked by the product's dry run before they are used.
    """
    import pandas as pd

    from db.store import Store
    from indicators.access import SYSTEM
    from indicators.catalogue import load_reference
    from indicators.periods import Period, parse_period
    from reports.template import expected_indicators, template_csv, template_frame, template_xlsx
    from services.uploads import prepare_import
    from services.values import current_values

    ref = load_reference(ROOT / "seed" / "ctg-cabbalr")
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        import benchmark_store

        path, _, _ = benchmark_store.build(Path(tmp), None)
        with Store(path) as store:
            values = current_values(store, ref)
            keys = values["periode"].map(lambda p: parse_period(p).sort_key)
            values = values.assign(cle=keys).sort_values("cle")
            latest: dict[tuple[str, str], list[tuple[tuple, object]]] = {}
            for row in values.itertuples():
                shown = row.valeur_texte if isinstance(row.valeur_texte, str) else row.valeur
                if shown is None or (isinstance(shown, float) and math.isnan(shown)):
                    continue
                latest.setdefault((row.indicateur, row.territoire), []).append((row.cle, shown))

            def known(code: str, territory: str, period: Period) -> object | None:
                found = [v for k, v in latest.get((code, territory), []) if k <= period.sort_key]
                return found[-1] if found else None

            quarter = Period(2026, 3)
            frame = template_frame(ref, [t.code for t in ref.communes()], quarter.code, values)
            factors = {t: rng.uniform(0.85, 0.99) for t in frame["territoire"]}
            cells = []
            for code, territory in zip(frame["indicateur"], frame["territoire"], strict=True):
                value = known(code, territory, quarter)
                if isinstance(value, float):
                    value = (
                        math.floor(value * factors[territory])
                        if ref.by_code[code].entier
                        else round(value * factors[territory], 2)
                    )
                cells.append("" if value is None else _text(value))
            frame["valeur"] = cells
            files = {
                FILES["depot-csv"]: template_csv(frame),
                FILES["depot-xlsx"]: template_xlsx(frame, ref),
            }
            rows = []
            periods = [Period(y, q) for y in range(2026, 2031) for q in range(1, 5)]
            periods += [Period(y) for y in range(2026, 2031)]
            for territory in (t.code for t in ref.territories if t.type != "secteur"):
                for period in periods:
                    for ind in expected_indicators(ref, territory, period):
                        value = known(ind.code, territory, period)
                        rows.append(
                            (territory, ind.code, period.code, "" if value is None else _text(value), "")
                        )
            rows += rows[: 100_000 - len(rows)]  # identical repeated rows: accepted with a warning each
            big = pd.DataFrame(rows, columns=["territoire", "indicateur", "periode", "valeur", "commentaire"])
            buffer = io.StringIO()
            big.to_csv(buffer, sep=";", index=False)
            files[FILES["depot-100k"]] = buffer.getvalue().encode("utf-8-sig")
            for name, data in files.items():
                big_file = name == FILES["depot-100k"]
                plan = prepare_import(
                    store,
                    ref,
                    data,
                    name,
                    SYSTEM,
                    today=END if big_file else TODAY,
                    max_rows=200_000 if big_file else None,
                    max_bytes=50 * 1_048_576 if big_file else None,
                )
                if not plan.accepted:
                    raise SystemExit(f"{name} refusé par le produit : {plan.report.errors[:3]}")
                (work / name).write_bytes(data)


# =============================================================================================
# Parent side: the table
# =============================================================================================
def _call(args: list[str]) -> tuple[dict | None, str]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return None, f"échec (code {done.returncode}) : {' / '.join(tail)}"
    return json.loads(lines[-1]), ""


def _fr(number: float, digits: int = 2) -> str:
    text = f"{number:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{_fr(value, 2 if value < 10 else 1)} s"


def _same(a: object, b: object, tolerance: float = 1e-6) -> tuple[bool, int]:
    """Whether two check results agree (numbers to 1e-6 relative), and how many leaves differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if "etapes" in a:  # the bilan: same number of pages
            return a.get("pages") == b.get("pages"), int(a.get("pages") != b.get("pages"))
        keys = set(a) | set(b)
        bad = 0
        for k in keys:
            ok, n = _same(a.get(k), b.get(k), tolerance)
            bad += n if not ok else 0
        return bad == 0, bad
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        bad = sum(0 if _same(x, y, tolerance)[0] else 1 for x, y in zip(a, b, strict=True))
        return bad == 0, bad
    if isinstance(a, int | float) and isinstance(b, int | float):
        ok = abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
        return ok, int(not ok)
    return a == b, int(a != b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default=",".join(SCALES), help="agglomeration,1000,10000,35000")
    parser.add_argument("--scenarios", default=",".join(BY_KEY), help=",".join(BY_KEY))
    parser.add_argument("--work", help="scratch folder (default: a temporary one, removed at the end)")
    parser.add_argument(
        "--extras", action="store_true", help="then scripts/bench_pages, bench_pilotage, bench_users"
    )
    # the child processes
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--scale", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        child_prepare(args)
        return 0
    if args.run:
        child_run(args)
        return 0

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    keys = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    unknown = [s for s in scales if s not in SCALES] + [k for k in keys if k not in BY_KEY]
    if unknown:
        parser.error(f"inconnu : {', '.join(unknown)}")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="ctg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(
        f"Mesures du {dt.date.today():%d/%m/%Y} · {os.cpu_count()} cœurs · charge moyenne au départ "
        f"{_fr(os.getloadavg()[0], 1)} (au-delà du nombre de cœurs, d'autres processus gonflent les durées)"
    )
    print(
        "Échelles : « agglomération » = référence de la convention + données de démonstration "
        "(100 communes) ; « 1 000 », « 10 000 », « 35 000 » = communes SYNTHÉTIQUES ajoutées dans une "
        "base DuckDB de travail (chacune reprend les valeurs d'une commune réelle), pas des communes réelles."
    )
    header = (
        "| scénario | échelle | valeurs | produit | mémoire | référence | mémoire | ratio | mêmes chiffres |"
    )
    rule = "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    table: list[str] = []
    notes: list[str] = []
    try:
        for scale in scales:
            prep, error = _call(["--prepare", scale, "--work", str(work)])
            if prep is None:
                print(f"{scale} : préparation impossible, {error}")
                continue
            print(
                f"\n{scale} : base de {_fr(prep['valeurs'], 0)} valeurs prête en {_seconds(prep['secondes'])} "
                f"(charge {_fr(os.getloadavg()[0], 1)})",
                flush=True,
            )
            print(header + "\n" + rule, flush=True)
            for key in keys:
                scenario = BY_KEY[key]
                if scenario.agglomeration_only and scale != "agglomeration":
                    continue
                common = [
                    "--run",
                    key,
                    "--store",
                    prep["store"],
                    "--seed",
                    prep["seed"],
                    "--work",
                    str(work),
                    "--scale",
                    scale,
                ]
                mine, error_p = _call([*common, "--side", "produit"])
                base, error_b = _call([*common, "--side", "reference"])
                if mine and base:
                    ok, bad = _same(mine["chiffres"], base["chiffres"])
                    same = "oui" if ok else f"NON ({bad} écart(s))"
                    ratio = f"×{_fr(mine['secondes'] / base['secondes'], 1)}" if base["secondes"] else "—"
                else:
                    same, ratio = (error_p or error_b)[:80], "—"
                if mine and key == "bilan":
                    notes.append(
                        "bilan, étapes : "
                        + ", ".join(f"{k} {_seconds(v)}" for k, v in mine["chiffres"]["etapes"].items())
                        + f" ; {mine['chiffres']['pages']} pages, {mine['chiffres']['images']} graphiques"
                    )
                if mine and not ok and base:
                    notes.append(
                        f"{key} ({scale}) : produit {json.dumps(mine['chiffres'])[:300]} / référence {json.dumps(base['chiffres'])[:300]}"
                    )
                line = (
                    f"| {scenario.label} | {scale} | {_fr(prep['valeurs'], 0)} "
                    f"| {_seconds(mine['secondes'] if mine else None)} | {_fr(mine['memoire_mo'], 0) + ' Mo' if mine else '—'} "
                    f"| {_seconds(base['secondes'] if base else None)} | {_fr(base['memoire_mo'], 0) + ' Mo' if base else '—'} "
                    f"| {ratio} | {same} |"
                )
                table.append(line)
                print(line, flush=True)
            Path(prep["store"]).unlink(missing_ok=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\nTableau complet :\n" + header + "\n" + rule + "\n" + "\n".join(table))
    print("\nRéférences (même base, même processus neuf) :")
    for key in keys:
        print(f"- {BY_KEY[key].label} : {BY_KEY[key].baseline}")
    for note in notes:
        print(note)
    print(
        f"Durée totale {_seconds(time.perf_counter() - started)} ; charge moyenne à la fin "
        f"{_fr(os.getloadavg()[0], 1)}. Mémoire : pic du processus Python du scénario (ru_maxrss), "
        "navigateurs à part. Durées : un passage de chauffe, puis la médiane de 3 passages s'il a pris moins "
        f"de {_fr(QUICK, 0)} s, un passage s'il a pris moins de {_fr(SLOW, 0)} s, sinon le passage de chauffe "
        "lui-même ; un dépôt repart à chaque passage d'une copie neuve de la base."
    )
    if args.extras:
        for name in ("bench_pages", "bench_pilotage", "bench_users"):
            print(f"\n== {name}", flush=True)
            runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
