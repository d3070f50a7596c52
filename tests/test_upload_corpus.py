"""The corpus of tests/data/uploads: each file gives exactly its errors; rejected files write nothing."""

from __future__ import annotations

import pytest

from indicators.access import SYSTEM, Actor
from indicators.upload import read_upload
from indicators.validation import validate_upload
from services.uploads import import_file
from tests import upload_helpers
from tests.upload_helpers import CORPUS, EXPECTED, TODAY, table_counts

upload_ref, upload_store = upload_helpers.upload_ref, upload_helpers.upload_store  # fixtures
_upload_template = upload_helpers._upload_template

FILES = EXPECTED["files"]
BAD = sorted(n for n in FILES if FILES[n]["errors"])
GOOD = sorted(n for n in FILES if not FILES[n]["errors"])


def _actor(entry: dict) -> Actor:
    spec = entry.get("actor")
    if not spec:
        return SYSTEM
    return Actor(spec["login"], spec["role"], frozenset(spec["territoires"]))


def _validate(name: str, ref):
    return validate_upload(
        read_upload((CORPUS / name).read_bytes(), name), ref, actor=_actor(FILES[name]), today=TODAY
    )


def test_every_file_of_the_corpus_has_its_expectation():
    on_disk = {
        p.name
        for p in CORPUS.iterdir()
        if p.suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".ods") and "_source" not in p.name
    }
    assert on_disk == set(FILES)
    assert len(BAD) >= 15 and len(GOOD) >= 8


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_gives_exactly_its_errors_and_warnings(name, upload_ref):
    report = _validate(name, upload_ref)
    entry = FILES[name]
    assert report.flatten() == entry["errors"]
    assert report.flatten(warnings=True) == entry["warnings"]
    assert (len(report.rows) if report.valid else 0) == entry["rows"]
    assert report.stats["non_renseignees"] == entry["skipped"]


def test_messages_are_the_french_sentences_users_read(upload_ref):
    messages = {(i.line, i.kind): i.message for i in _validate("bad_keys.csv", upload_ref).errors}
    assert messages[(4, "indicateur-calcule")] == (
        "« Capacité théorique d'accueil pour 100 enfants de moins de 3 ans » (PE_CAPACITE_THEORIQUE) "
        "est un indicateur calculé (100 × « Places d'accueil » / « Enfants de moins de 3 ans ») : "
        "déposer ses composantes, pas le résultat."
    )
    assert messages[(11, "periode-future")] == "T1 2027 n'a pas encore commencé (aujourd'hui : 29/11/2026)."
    assert messages[(10, "periode-hors-convention")] == (
        "T4 2025 est hors de la convention (T1 2026 … T4 2030)."
    )
    assert messages[(5, "niveau-non-collecte")] == (
        "« Baromètre habitants » (BARO_HABITANTS) n'est pas collecté au niveau commune (62119) : "
        "niveaux prévus epci."
    )
    values = {(i.line, i.kind): i.message for i in _validate("bad_values.csv", upload_ref).errors}
    assert values[(3, "pas-un-entier")] == (
        "« 2,5 » n'est pas un nombre entier : « Cafés des partenaires » (IA_CAFES_PARTENAIRES) "
        "compte des unités."
    )
    assert values[(5, "au-dessus-maximum")] == (
        "112 dépasse le maximum (100 %) de « Complétude de l'outil interactif » (F9_COMPLETUDE_OUTIL)."
    )
    assert values[(4, "sous-minimum")] == (
        "−3 est inférieur au minimum (0) de « Places d'accueil » (PE_PLACES_ACCUEIL)."
    )
    scope = _validate("bad_scope_charge.csv", upload_ref).errors
    assert [(i.line, i.kind, i.message) for i in scope] == [
        (
            4,
            "hors-perimetre",
            "Le territoire 62178 (Bruay-la-Buissière) n'est pas dans le périmètre du "
            "compte « charge-bethune » : le fichier est refusé en entier.",
        )
    ]


def test_libreoffice_files_are_real_french_exports():
    data = (CORPUS / "good_libreoffice_fr.csv").read_text(encoding="utf-8")
    assert "1\u00a0234" in data and "110\u00a0021,39 €" in data and "12,5%" in data
    cp1252 = (CORPUS / "good_libreoffice_fr_cp1252.csv").read_bytes()
    assert b"\t" in cp1252 and "crèche".encode("cp1252") in cp1252 and b"\x80" in cp1252  # € in cp1252


def test_the_same_values_whatever_the_tool(upload_ref):
    def values(name):
        return {
            (r.territoire, r.indicateur, r.periode): (r.valeur, r.valeur_texte)
            for r in _validate(name, upload_ref).rows
        }

    libre = values("good_libreoffice_fr.csv")
    assert libre == values("good_libreoffice_fr_cp1252.csv")
    assert libre == values("good_libreoffice.tsv")  # what a shared spreadsheet downloads
    assert libre == values("good_libreoffice.ods")  # LibreOffice's own format, cells typed
    assert libre[("62178", "F9_COMPLETUDE_OUTIL", "2026-T3")] == (12.5, None)
    assert libre[("200072460", "PE_BONUS_INCLUSION_EAJE", "2026")] == (110021.39, None)
    assert libre[("200072460", "PE_SCHEMA", "2026")] == (1.0, "15/09/2026")
    xlsx = values("good_openpyxl.xlsx")
    assert xlsx[("62178", "F9_COMPLETUDE_OUTIL", "2026-T3")] == (87.5, None)  # a cell shown as 87,5 %
    assert xlsx[("200072460", "PE_SCHEMA", "2026")] == (1.0, "15/09/2026")
    assert values("good_openpyxl_libreoffice.ods") == xlsx  # the same workbook saved by LibreOffice


def test_rejected_files_leave_the_store_unchanged(upload_store, upload_ref):
    before = table_counts(upload_store)
    for name in BAD:
        result = import_file(
            upload_store, upload_ref, (CORPUS / name).read_bytes(), name, _actor(FILES[name]), today=TODAY
        )
        assert not result.plan.accepted and not result.committed, name
        assert table_counts(upload_store) == before, name


def test_good_files_land_then_reupload_changes_nothing(upload_store, upload_ref):
    for name in GOOD:
        data = (CORPUS / name).read_bytes()
        first = import_file(upload_store, upload_ref, data, name, SYSTEM, today=TODAY)
        counts = first.plan.counts
        assert first.plan.accepted, name
        assert counts["new"] + counts["changed"] + counts["unchanged"] == FILES[name]["rows"], name
        before = table_counts(upload_store)
        again = import_file(upload_store, upload_ref, data, name, SYSTEM, today=TODAY)
        assert not again.committed, name
        assert again.message == (
            f"Aucune modification : les {FILES[name]['rows']} valeur(s) du fichier "
            "sont déjà enregistrées ; aucun dépôt n'a été créé."
        ), name
        assert table_counts(upload_store) == before, name
