"""The upload template as office files really behave: LibreOffice opens the XLSX and the ODS we
write, and the input validation it reads back is on (prompt shown, a wrong count stopped).

Each file is converted by `soffice --headless` to flat OpenDocument (.fods) and the
validations are read from LibreOffice's own XML, not from the XML we wrote.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from reports.template import TEMPLATE_COLUMNS, TemplateError, template_bytes, template_frame

NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice absent (scripts/install-system.sh)"
)


def _t(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def libreoffice_view(path: Path, tmp_path: Path) -> ET.Element:
    """The document as LibreOffice reads it: converted to .fods in a private profile."""
    out = tmp_path / "out"
    profile = tmp_path / "profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "fods",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return ET.parse(out / f"{path.stem}.fods").getroot()


def validations_by_row(root: ET.Element) -> tuple[dict[str, dict], list[list[str]], dict[int, str]]:
    """LibreOffice's validations (name → condition, messages), the Dépôt sheet's text rows, and
    the validation name of each row's `valeur` cell (row number from 1)."""
    rules = {}
    for rule in root.iter(_t("table:content-validation")):
        help_ = rule.find("table:help-message", NS)
        error = rule.find("table:error-message", NS)
        rules[rule.get(_t("table:name"))] = {
            "condition": rule.get(_t("table:condition")),
            "empty_ok": rule.get(_t("table:allow-empty-cell")),
            "help_shown": help_ is not None and help_.get(_t("table:display")) == "true",
            "help": "".join(help_.itertext()).strip() if help_ is not None else "",
            "error_shown": error is not None and error.get(_t("table:display")) == "true",
            "error_type": error.get(_t("table:message-type")) if error is not None else None,
            "error": "".join(error.itertext()).strip() if error is not None else "",
        }
    sheet = next(t for t in root.iter(_t("table:table")) if t.get(_t("table:name")) == "Dépôt")
    rows: list[list[str]] = []
    by_row: dict[int, str] = {}
    value_col = TEMPLATE_COLUMNS.index("valeur")
    for number, row in enumerate(sheet.iter(_t("table:table-row")), start=1):
        cells: list[str] = []
        for cell in row:
            repeat = int(cell.get(_t("table:number-columns-repeated"), "1"))
            if len(cells) <= value_col < len(cells) + min(repeat, 50):
                name = cell.get(_t("table:content-validation-name"))
                if name:
                    by_row[number] = name
            cells.extend(["".join(cell.itertext()).strip()] * min(repeat, 50))
        if any(cells):
            rows.append(cells[: len(TEMPLATE_COLUMNS)])
    return rules, rows, by_row


@needs_libreoffice
@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_libreoffice_reads_the_template_validation_back(ref, tmp_path, suffix):
    frame = template_frame(ref, ["62119"], "2026", None)
    path = tmp_path / f"modele{suffix}"
    path.write_bytes(template_bytes(ref, ["62119"], "2026", None, suffix))
    rules, rows, by_row = validations_by_row(libreoffice_view(path, tmp_path))

    # every value is there, as text (INSEE codes keep their form), in the template's order
    assert rows[0] == TEMPLATE_COLUMNS
    body = [r + [""] * (len(TEMPLATE_COLUMNS) - len(r)) for r in rows[1:]]
    assert [r[:6] for r in body] == frame[TEMPLATE_COLUMNS[:6]].astype(str).values.tolist()

    codes = list(frame["indicateur"])
    rule_of = {code: rules[by_row[index + 2]] for index, code in enumerate(codes)}
    assert len(rule_of) == len(codes)  # every value cell has a validation
    for code, rule in rule_of.items():
        assert rule["help_shown"] and rule["help"], code  # the prompt is visible
        assert rule["error_shown"] and rule["error"], code  # and the error message too
        assert rule["empty_ok"] == "true", code  # an empty value is allowed
        ind = ref.indicator(code)
        if ind.type == "jalon":
            assert "cell-content-is-in-list" in rule["condition"] and rule["error_type"] == "warning"
        elif ind.type == "qualitatif":
            assert "text-length" in rule["condition"] and rule["error_type"] == "stop"
        elif ind.entier:
            # « 2,5 » in a count cell is refused, not only frowned upon
            assert rule["condition"].startswith("of:cell-content-is-whole-number()"), code
            assert rule["error_type"] == "stop", code
            assert rule["error"].startswith("Attendu : un nombre entier"), code
        else:
            assert rule["condition"].startswith("of:cell-content-is-decimal-number()"), code
            assert rule["error_type"] == "stop", code
    assert any(ref.indicator(c).entier for c in codes) and any(
        ref.indicator(c).type == "jalon" for c in codes
    )


def test_ods_template_holds_the_same_rows_as_the_csv(ref):
    import io

    ods = template_bytes(ref, ["62119", "SIVOM_BETHUNOIS"], "2026-T3", None, ".ods")
    assert ods[:2] == b"PK"  # a zip, an OpenDocument spreadsheet
    frame = template_frame(ref, ["62119", "SIVOM_BETHUNOIS"], "2026-T3", None)
    back = pd.read_excel(io.BytesIO(ods), engine="odf", sheet_name="Dépôt", dtype=str).fillna("")
    assert list(back.columns) == TEMPLATE_COLUMNS
    assert back.values.tolist() == frame.astype(str).values.tolist()
    aide = pd.read_excel(io.BytesIO(ods), engine="odf", sheet_name="Aide", header=None)
    assert aide.iloc[0, 0] == "Dépôt trimestriel de la CTG : mode d'emploi"


def test_unknown_template_format_is_refused_in_french(ref):
    with pytest.raises(TemplateError, match=r"\.csv, \.xlsx ou \.ods"):
        template_bytes(ref, ["62119"], "2026", None, ".pdf")
