"""Regenerate the upload corpus of tests/data/uploads (run from anywhere).

    .venv/bin/python tests/data/uploads/make_corpus.py          # every file
    .venv/bin/python tests/data/uploads/make_corpus.py --no-soffice   # skip LibreOffice

Hand-written CSV files are written byte for byte (encodings, separators, BOM, CRLF);
`*_openpyxl.xlsx` files are produced by openpyxl; `*_libreoffice*.csv`, `.tsv` and `.ods`
files are really produced by LibreOffice Calc with a French locale (`soffice --headless
--convert-to csv:...` or `ods`) from an .xlsx generated here (kept as `*_source.xlsx`). The
produced files are committed, so the tests never need soffice. The errors each file
must produce are in `expected.json` (written by hand, not by this script).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
HEADER = "territoire;indicateur;periode;valeur;commentaire"


def text(name: str, content: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (HERE / name).write_bytes(content.replace("\n", newline).encode(encoding))


def hand_written() -> None:
    nbsp, nnbsp = "\u00a0", "\u202f"
    text(
        "good_excel_fr_bom.csv",
        (
            "Code commune;Indicateur;Période;Valeur;Commentaire;Libellé\n"
            "62119;PE_PLACES_ACCUEIL;2026-T3;1 234;;Places d'accueil\n"
            "Béthune;IA_CAFES_PARTENAIRES;T3 2026;3;Deux cafés à Béthune, un à Annezin;\n"
            ";;;;;\n"
            "\n"
            "BRUAY LA BUISSIERE;pe_places_accueil;2026T3;210;;\n"
            "62178;F9_COMPLETUDE_OUTIL;2026-Q3;87,5 %;;\n"
            "St Venant;IA_CAFES_PARTENAIRES;2026-T3;;pas encore connu;\n"
            f"200072460;PE_BONUS_INCLUSION_EAJE;2026;110{nbsp}021,39 €;;\n"
            "200072460;BARO_HABITANTS;2026;72,4;;\n"
            "200072460;PE_SCHEMA;2026;15/09/2026;;\n"
            "200072460;IA_PERCEPTION;2026;Meilleure connaissance mutuelle, à confirmer;;\n"
            f"62758;POP_MUNICIPALE;2026;3{nnbsp}012;;\n"
            "SIVOM_TEST;PE_PLACES_ACCUEIL;2026-T3;45;;\n"
        ),
        encoding="utf-8-sig",
        newline="\r\n",
    )
    text(
        "good_cp1252_tab.txt",
        (
            "commune\tindicateur\ttrimestre\tvaleur\tremarque\n"
            "Béthune\tPE_BONUS_INCLUSION_EAJE\t2026\t1.234,50 €\tversé en août\n"
            "Saint-Venant\tPE_ENFANTS_MOINS_3\t2026\t87\t\n"
            "rombly\tF9_COMPLETUDE_OUTIL\tT2 2026\t100%\t\n"
        ),
        encoding="cp1252",
        newline="\r\n",
    )
    text(
        "good_comma_point.csv",
        (
            "territoire,indicateur,periode,valeur,commentaire\n"
            '62119,PE_BONUS_INCLUSION_EAJE,2026,"1,234.50",\n'
            '62178,F9_COMPLETUDE_OUTIL,2026-T2,12.5,"avec, une virgule"\n'
            "200072460,PE_SCHEMA,2026,oui,\n"
        ),
    )
    text(
        "good_formulas.csv",
        HEADER
        + "\n"
        + (
            '62119;IA_CAFES_PARTENAIRES;2026-T2;1;"=HYPERLINK(""http://exemple.invalid"";""clic"")"\n'
            "62178;IA_CAFES_PARTENAIRES;2026-T2;2;@SUM(A1:A3)\n"
            "200072460;IA_PERCEPTION;2026;-Bonne dynamique entre acteurs;\n"
        ),
    )
    text(
        "good_duplicate_same.csv",
        HEADER
        + "\n"
        + ("62119;IA_CAFES_PARTENAIRES;2026-T1;2;\nBéthune;IA_CAFES_PARTENAIRES;T1 2026;2,0;\n"),
    )
    text(
        "good_suspicious.csv",
        HEADER
        + "\n"
        + (
            "62119;IA_CAFES_PARTENAIRES;2026-T1;4;\n"
            "62119;IA_CAFES_PARTENAIRES;2026-T2;15;\n"
            "62178;IA_CAFES_PARTENAIRES;2026-T1;2;\n"
            "62178;IA_CAFES_PARTENAIRES;2026-T2;7;\n"
        ),
    )
    text(
        "bad_values.csv",
        HEADER
        + "\n"
        + (
            "62119;PE_PLACES_ACCUEIL;2026-T3;abc;\n"
            "62119;IA_CAFES_PARTENAIRES;2026-T3;2,5;\n"
            "62178;PE_PLACES_ACCUEIL;2026-T3;-3;\n"
            "62178;F9_COMPLETUDE_OUTIL;2026-T3;112 %;\n"
            "200072460;BARO_HABITANTS;2026;100,5;\n"
            "200072460;PE_SCHEMA;2026;peut-être;\n"
            "62119;F9_COMPLETUDE_OUTIL;2026-T3;=1+1;\n"
            "62720;PE_PLACES_ACCUEIL;2026-T3;12;\n"
        ),
    )
    text(
        "bad_keys.csv",
        HEADER
        + "\n"
        + (
            "62999;PE_PLACES_ACCUEIL;2026-T3;1;\n"
            "62119;PE_INCONNU;2026-T3;1;\n"
            "62119;PE_CAPACITE_THEORIQUE;2026;33,3;\n"
            "62119;BARO_HABITANTS;2026;50;\n"
            "SECTEUR_NORD;PE_PLACES_ACCUEIL;2026-T3;3;\n"
            "62119;PE_PLACES_ACCUEIL;2026;100;\n"
            "62119;POP_MUNICIPALE;2026-T2;25000;\n"
            "62119;PE_PLACES_ACCUEIL;2026-T5;1;\n"
            "62119;PE_PLACES_ACCUEIL;2025-T4;1;\n"
            "62119;PE_PLACES_ACCUEIL;2027-T1;1;\n"
            ";PE_PLACES_ACCUEIL;2026-T3;1;\n"
            "62119;;2026-T3;1;\n"
            "62119;PE_PLACES_ACCUEIL;;1;\n"
        ),
    )
    text(
        "bad_duplicates.csv",
        HEADER + "\n" + ("62119;PE_PLACES_ACCUEIL;2026-T3;10;\nBéthune;PE_PLACES_ACCUEIL;T3 2026;12;\n"),
    )
    text("bad_missing_column.csv", "territoire;indicateur;valeur\n62119;PE_PLACES_ACCUEIL;10\n")
    text("bad_no_header.csv", "a;b;c\n1;2;3\n")
    text("bad_empty.csv", "")
    text("bad_header_only.csv", HEADER + "\n\n")
    text("bad_not_a_workbook.xlsx", HEADER + "\n62119;PE_PLACES_ACCUEIL;2026-T3;10;\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "pas un classeur")
    (HERE / "bad_zip_not_workbook.xlsx").write_bytes(buffer.getvalue())
    (HERE / "bad_binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    text("bad_prose.csv", "Bonjour\nVoici les chiffres du trimestre\nBien cordialement\n")
    (HERE / "bad_old_excel.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    text(
        "bad_scope_charge.csv",
        HEADER
        + "\n"
        + (
            "62119;PE_PLACES_ACCUEIL;2026-T3;10;\n"
            "62119;IA_CAFES_PARTENAIRES;2026-T3;1;\n"
            "62178;PE_PLACES_ACCUEIL;2026-T3;20;\n"
        ),
    )


def _sheet(book: openpyxl.Workbook, title: str, rows: list[list], formats: dict[str, str]) -> None:
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for ref, number_format in formats.items():
        sheet[ref].number_format = number_format


def openpyxl_files() -> None:
    book = openpyxl.Workbook()
    _sheet(
        book,
        "Valeurs",
        [
            ["Dépôt du troisième trimestre 2026"],
            [],
            ["Territoire", "Nom", "Indicateur", "Période", "Valeur", "Commentaire"],
            [62119, "Béthune", "PE_PLACES_ACCUEIL", "2026-T3", 310, None],
            [62178, "Bruay-la-Buissière", "F9_COMPLETUDE_OUTIL", "2026-T3", 0.875, "saisi en %"],
            [200072460, "CABBALR", "PE_SCHEMA", 2026, dt.datetime(2026, 9, 15), None],
            [200072460, "CABBALR", "PE_BONUS_INCLUSION_EAJE", 2026, 110021.39, None],
            [62720, "Rombly", "IA_CAFES_PARTENAIRES", "2026-T3", None, None],
            [62720, "Rombly", "IA_CAFES_PARTENAIRES", "2026-T2", 1.0, None],
        ],
        {"E5": "0.0%", "E6": "DD/MM/YYYY", "E7": '#,##0.00 "€"'},
    )
    hidden = book.create_sheet("listes")
    hidden.append(["territoire", "indicateur", "periode", "valeur"])
    hidden.sheet_state = "hidden"
    book.save(HERE / "good_openpyxl.xlsx")

    book = openpyxl.Workbook()
    _sheet(
        book,
        "Dépôt",
        [
            ["territoire", "indicateur", "periode", "valeur", "commentaire"],
            ["62119", "PE_PLACES_ACCUEIL", "2026-T3", "beaucoup", None],
            ["62119", "IA_CAFES_PARTENAIRES", "2026-T3", 2.5, None],
            ["62178", "PE_PLACES_ACCUEIL", "2026-T3", dt.datetime(2026, 9, 1), None],
            ["200072460", "BARO_HABITANTS", "2026", 1.25, None],
        ],
        {"D4": "DD/MM/YYYY", "D5": "0%"},
    )
    book.save(HERE / "bad_openpyxl.xlsx")


def libreoffice_sources() -> dict[str, Path]:
    good = openpyxl.Workbook()
    _sheet(
        good,
        "Feuille1",
        [
            ["territoire", "indicateur", "periode", "valeur", "commentaire"],
            ["62119", "PE_PLACES_ACCUEIL", "2026-T3", 1234, "crèche agrandie"],
            ["62178", "F9_COMPLETUDE_OUTIL", "2026-T3", 0.125, None],
            ["200072460", "PE_BONUS_INCLUSION_EAJE", "2026", 110021.39, None],
            ["200072460", "PE_SCHEMA", "2026", dt.datetime(2026, 9, 15), None],
            ["200072460", "BARO_HABITANTS", "2026", 72.4, None],
            ["62758", "POP_MUNICIPALE", "2026", 3012, None],
        ],
        {"D2": "#,##0", "D3": "0.0%", "D4": '#,##0.00 "€"', "D5": "DD/MM/YYYY", "D6": "0.0", "D7": "#,##0"},
    )
    good.save(HERE / "libreoffice_good_source.xlsx")
    bad = openpyxl.Workbook()
    _sheet(
        bad,
        "Feuille1",
        [
            ["territoire", "indicateur", "periode", "valeur", "commentaire"],
            ["62119", "IA_CAFES_PARTENAIRES", "2026-T3", 12.5, None],
            ["62119", "PE_PLACES_ACCUEIL", "2026-T3", "beaucoup", None],
            ["62178", "PE_PLACES_ACCUEIL", "2026-T3", dt.datetime(2026, 9, 1), None],
            ["200072460", "BARO_HABITANTS", "2026", 1.5, None],
        ],
        {"D2": "0.0", "D4": "DD/MM/YYYY", "D5": "0%"},
    )
    bad.save(HERE / "libreoffice_bad_source.xlsx")
    return {"good": HERE / "libreoffice_good_source.xlsx", "bad": HERE / "libreoffice_bad_source.xlsx"}


def soffice_csv(source: Path, target: str, separator: int, charset: int) -> None:
    """Convert with LibreOffice Calc, French locale, cells saved as shown."""
    options = f"{separator},34,{charset},1,,1036,false,true,true"
    env = {**os.environ, "LC_ALL": "fr_FR.UTF-8", "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr"}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                f"csv:Text - txt - csv (StarCalc):{options}",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=180,
        )
        shutil.copy(Path(tmp) / (source.stem + ".csv"), HERE / target)  # .csv whatever the target


def soffice_convert(source: Path, target: str, filter_spec: str) -> None:
    """Convert with LibreOffice Calc (French locale) to another office format (`ods`, `xlsx`)."""
    env = {**os.environ, "LC_ALL": "fr_FR.UTF-8", "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr"}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                filter_spec,
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=180,
        )
        produced = next(p for p in Path(tmp).iterdir() if p.is_file() and p.stem == source.stem)
        shutil.copy(produced, HERE / target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-soffice", action="store_true", help="skip the LibreOffice conversions")
    args = parser.parse_args()
    hand_written()
    openpyxl_files()
    sources = libreoffice_sources()
    if not args.no_soffice:
        if shutil.which("soffice") is None:
            print(
                "soffice introuvable (paquet libreoffice-calc-nogui) : fichiers LibreOffice non régénérés",
                file=sys.stderr,
            )
            return 1
        soffice_csv(sources["good"], "good_libreoffice_fr.csv", 59, 76)  # ; and UTF-8
        soffice_csv(sources["good"], "good_libreoffice_fr_cp1252.csv", 9, 1)  # tab and Windows-1252
        soffice_csv(sources["bad"], "bad_libreoffice_fr.csv", 59, 76)
        soffice_csv(sources["good"], "good_libreoffice.tsv", 9, 76)  # tab and UTF-8, named .tsv
        soffice_convert(sources["good"], "good_libreoffice.ods", "ods")
        soffice_convert(sources["bad"], "bad_libreoffice.ods", "ods")
        soffice_convert(HERE / "good_openpyxl.xlsx", "good_openpyxl_libreoffice.ods", "ods")
    print(f"Corpus régénéré dans {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
