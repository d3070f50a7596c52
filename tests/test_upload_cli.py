"""The upload commands: exit codes, the report on stdout, and two processes importing at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cli
from commands.common import reference
from db.store import Store
from indicators.access import SYSTEM
from services.accounts import create_user
from services.settings import get_settings
from tests import upload_helpers
from tests.upload_helpers import CORPUS, UPLOAD_SEED

_upload_template = upload_helpers._upload_template
upload_ref = upload_helpers.upload_ref
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_env(tmp_path, monkeypatch, _upload_template):
    """The CLI pointed at a copy of the corpus store (and the corpus reference)."""
    path = tmp_path / "cli.duckdb"
    path.write_bytes(Path(_upload_template).read_bytes())
    monkeypatch.setenv("CTG_DATABASE_URL", f"duckdb:///{path}")
    monkeypatch.setenv("CTG_SEED_DIR", str(UPLOAD_SEED))
    get_settings.cache_clear()
    reference.cache_clear()
    yield path
    get_settings.cache_clear()
    reference.cache_clear()


def _batches(path: Path) -> list[tuple]:
    with Store(path) as store:
        return [
            tuple(r)
            for r in store.query_df(
                "select id, author, filename, status from batches where kind = 'depot' order by id"
            ).values
        ]


def test_import_accepted_rejected_and_dry_run(db_env, capsys):
    good = CORPUS / "good_libreoffice_fr.csv"
    assert cli.main(["import", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Valeurs qui seraient écrites (6)" in out
    assert out.strip().endswith(
        "Essai à blanc, rien n'a été écrit : 6 nouvelle(s) valeur(s), 0 modifiée(s), "
        "0 inchangée(s), 0 non renseignée(s)."
    )
    assert _batches(db_env) == []

    assert cli.main(["import", str(good)]) == 0
    assert "Dépôt n°2 enregistré : 6 nouvelle(s) valeur(s)" in capsys.readouterr().out
    assert cli.main(["import", str(good)]) == 0
    assert (
        "Aucune modification : les 6 valeur(s) du fichier sont déjà enregistrées" in capsys.readouterr().out
    )

    assert cli.main(["import", str(CORPUS / "bad_values.csv")]) == 2
    out = capsys.readouterr().out
    assert "Erreurs (7) : le fichier est refusé en entier, rien n'a été écrit." in out
    assert (
        "  - ligne 2, colonne valeur : « abc » n'est pas un nombre : « Places d'accueil » "
        "(PE_PLACES_ACCUEIL) attend un nombre entier. [pas-un-nombre]" in out
    )
    assert _batches(db_env) == [(2, "systeme", "good_libreoffice_fr.csv", "valide")]


def test_import_as_an_account(db_env, capsys):
    with Store(db_env) as store:
        create_user(store, SYSTEM, "marie", "charge", ["62119"], password="mot-de-passe-marie-1")
    assert cli.main(["import", str(CORPUS / "bad_scope_charge.csv"), "--as", "marie"]) == 2
    out = capsys.readouterr().out
    assert (
        "ligne 4, colonne territoire : Le territoire 62178 (Bruay-la-Buissière) n'est pas dans le "
        "périmètre du compte « marie »" in out
    )
    assert cli.main(["import", str(CORPUS / "good_duplicate_same.csv"), "--as", "marie"]) == 0
    assert cli.main(["import", str(CORPUS / "good_duplicate_same.csv"), "--as", "inconnu"]) == 2
    assert _batches(db_env) == [(2, "marie", "good_duplicate_same.csv", "valide")]
    # marie may not revert; the system (administrator) may.
    assert cli.main(["annuler", "2", "--as", "marie"]) == 1
    assert "réservée aux administrateurs" in capsys.readouterr().err
    assert cli.main(["annuler", "2"]) == 0
    assert capsys.readouterr().out.startswith("Dépôt n°2 annulé")
    assert _batches(db_env) == [(2, "marie", "good_duplicate_same.csv", "annule")]


def test_template_command_writes_an_ods_file(db_env, tmp_path, capsys):
    out = tmp_path / "modele.ods"
    assert cli.main(["template", "--territoire", "62119", "--periode", "2026-T3", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK" and "Modèle écrit" in capsys.readouterr().out


def test_template_history_and_value_commands(db_env, tmp_path, capsys):
    out_csv, out_xlsx = tmp_path / "t.csv", tmp_path / "t.xlsx"
    assert cli.main(["template", "--territoire", "62119", "--periode", "2026-T3", "--out", str(out_csv)]) == 0
    assert (
        cli.main(
            [
                "template",
                "--territoire",
                "62119,62178",
                "--territoire",
                "SIVOM_TEST",
                "--periode",
                "T3 2026",
                "--out",
                str(out_xlsx),
            ]
        )
        == 0
    )
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbfterritoire;")
    assert out_xlsx.read_bytes().startswith(b"PK")
    assert (
        cli.main(["template", "--territoire", "SECTEUR_NORD", "--periode", "2026-T3", "--out", str(out_csv)])
        == 1
    )
    assert "Aucun indicateur à saisir pour SECTEUR_NORD en T3 2026" in capsys.readouterr().err
    filled = out_csv.read_text(encoding="utf-8-sig").replace("2026-T3;;", "2026-T3;5;", 1)
    out_csv.write_text(filled, encoding="utf-8-sig")
    assert cli.main(["import", str(out_csv)]) == 0
    capsys.readouterr()
    assert cli.main(["historique"]) == 0
    out = capsys.readouterr().out
    assert "dépôt" in out and "t.csv" in out and "référentiel" in out
    assert (
        cli.main(
            ["valeur", "--indicateur", "PE_PLACES_ACCUEIL", "--territoire", "62119", "--periode", "T3 2026"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("PE_PLACES_ACCUEIL · 62119 · T3 2026")
    assert "t.csv" in out and "en vigueur" in out


def _write_file(path: Path, commune: str, periods: list[str]) -> Path:
    rows = [f"{commune};IA_CAFES_PARTENAIRES;{p};{i + 1};" for i, p in enumerate(periods)]
    path.write_text(
        "territoire;indicateur;periode;valeur;commentaire\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return path


def test_two_processes_importing_at_once_both_land(db_env, tmp_path):
    """Two CLI imports and a reader hammering the file (as streamlit would): none is lost."""
    env = {
        **os.environ,
        "CTG_DATABASE_URL": f"duckdb:///{db_env}",
        "CTG_SEED_DIR": str(UPLOAD_SEED),
        "PYTHONPATH": str(ROOT),
    }
    periods = ["2026-T1", "2026-T2", "2026-T3"]
    files = [_write_file(tmp_path / f"{c}.csv", c, periods) for c in ("62119", "62178", "62720")]
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import time\nfrom db.store import Store\n"
                f"s = Store({str(db_env)!r})\nend = time.time() + 6\n"
                "while time.time() < end:\n    s.query_df('select count(*) from observations_courantes')\n"
            ),
        ],
        env=env,
        cwd=ROOT,
    )
    time.sleep(0.5)
    procs = [
        subprocess.Popen(
            [sys.executable, "cli.py", "import", str(f)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    reader.wait(timeout=60)
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert reader.returncode == 0
    batches = _batches(db_env)
    assert sorted(b[2] for b in batches) == ["62119.csv", "62178.csv", "62720.csv"]
    with Store(db_env) as store:
        n = store.scalar(
            "select count(*) from observations_courantes where indicateur = 'IA_CAFES_PARTENAIRES' "
            "and periode like '2026-T%'"
        )
    assert n == 9
