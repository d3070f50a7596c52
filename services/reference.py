"""Use cases of the reference: read `seed/`, load it into the store, open a ready store.

`seed/` holds one folder per convention (`seed/ctg-cabbalr/`, `seed/ctg-ccra-demonstration/`).

>>> refs = read_references()              # every convention, validated (French errors)
>>> ref = pick_reference(refs, "ctg-cabbalr-2026-2030")
>>> install_reference(store, ref)         # idempotent: nothing written if unchanged
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from db.reference import ReferenceRows, write_reference
from db.store import Store
from indicators.catalogue import Reference, SeedError, load_reference, load_references
from indicators.periods import parse_period
from services.settings import get_settings

REFERENCE_NOTE = "Données de référence de la convention"


def read_references(seed_dir: str | Path | None = None) -> list[Reference]:
    """Every convention of `seed_dir` (default: the settings' seed folder), validated: the
    real ones first, then the demonstration ones (`indicators.catalogue.load_references`)."""
    return load_references(seed_dir or get_settings().seed_dir)


def pick_reference(refs: list[Reference], code: str | None = None) -> Reference:
    """The convention `code` among `refs` (default: the settings' `convention`, else the first
    real one); a French `SeedError` naming the conventions available for an unknown code."""
    code = code or get_settings().convention
    if code is None:
        return refs[0]
    for ref in refs:
        if ref.convention.code == code:
            return ref
    known = ", ".join(r.convention.code for r in refs)
    raise SeedError(f"Convention « {code} » inconnue : conventions disponibles : {known}.")


def read_reference(seed_dir: str | Path | None = None, convention: str | None = None) -> Reference:
    """The validated reference of one convention of `seed_dir` (default: the settings'
    convention, else the first real one)."""
    if seed_dir is not None and (Path(seed_dir) / "convention.yaml").exists():
        return load_reference(seed_dir)
    return pick_reference(read_references(seed_dir), convention)


def open_store(url: str | None = None) -> Store:
    """The store named by the settings (or `url`), migrated."""
    store = Store(url or get_settings().database_url)
    store.migrate()
    return store


def _frame(items: list, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame([item.model_dump(exclude=set(drop)) for item in items])


def reference_rows(ref: Reference) -> ReferenceRows:
    """The rows the store keeps for a reference: convention, tables and baseline observations."""
    c = ref.convention
    fiches = pd.DataFrame(
        [
            {
                "code": f.code,
                "ambition": f.ambition,
                "titre": f.titre,
                "section": f.section,
                "contenu": json.dumps(
                    f.model_dump(exclude={"code", "ambition", "titre", "section"}), ensure_ascii=False
                ),
            }
            for f in ref.fiches
        ]
    )
    indicators = _frame(ref.indicators)
    indicators["niveaux"] = indicators["niveaux"].map(lambda v: "|".join(v))
    observations = pd.DataFrame(
        [
            {
                "indicateur": o.indicateur,
                "territoire": o.territoire,
                "periode": o.periode,
                "annee": parse_period(o.periode).year,
                "trimestre": parse_period(o.periode).quarter,
                "valeur": o.valeur,
                "source_section": o.section,
                "conflit": o.conflit,
                "retenue": (o.arbitrage is not None) if o.conflit else None,
                "arbitrage": o.arbitrage,
                "commentaire": o.note,
            }
            for o in ref.observations
        ]
    )
    return ReferenceRows(
        code=c.code,
        digest=ref.digest,
        convention={
            "nom": c.nom,
            "debut": c.debut,
            "fin": c.fin,
            "epci": c.epci,
            "signataires": json.dumps([s.model_dump() for s in c.signataires], ensure_ascii=False),
            "section": c.section,
            "demonstration": c.demonstration,
        },
        tables={
            "enjeux": _frame(ref.enjeux),
            "ambitions": _frame(ref.ambitions),
            "fiches": fiches,
            "indicateurs": indicators,
            "territoires": _frame(ref.territories),
            "appartenances": _frame(ref.memberships),
            "calendrier": _frame(ref.calendar),
        },
        observations=observations,
        counts=ref_counts(ref),
        note=REFERENCE_NOTE,
    )


def install_reference(store: Store, ref: Reference, actor: str = "init") -> bool:
    """Load the reference into the store if it changed; True when something was written."""
    return write_reference(store, reference_rows(ref), actor=actor)


def ref_counts(ref: Reference) -> dict[str, int]:
    """Row counts of a reference, for the audit and the CLI."""
    return {
        "indicateurs": len(ref.indicators),
        "territoires": len(ref.territories),
        "observations": len(ref.observations),
    }
