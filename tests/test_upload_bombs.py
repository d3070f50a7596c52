"""Hostile and oversized uploads: refused with a clear French message, in bounded time and memory.

The three workbook bombs of issue 11 are built here (a few hundred KB each on disk) and read
in a subprocess that reports its own peak memory and time: each is refused in under 5 s and
300 MB. A legitimate file at the limits is read under the same memory bound.

Peak memory is the process's `VmHWM` (/proc/self/status), the high-water mark of its own
address space. `resource.getrusage(...).ru_maxrss` would do on a machine where the test runs
alone, but Linux carries it across fork and exec: a subprocess started by a pytest of 380 MB
reports 380 MB whatever it does. Both are printed; the bound is on VmHWM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from indicators.upload import Limits, read_upload

ROOT = Path(__file__).resolve().parent.parent
MB = 1_048_576

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}{shared}</Types>"
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_workbook(path: Path, sheets: list, shared: object = None) -> Path:
    """A minimal real .xlsx whose sheet (and shared strings) bodies are streamed from generators."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        )
        sst = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>' if shared else ""
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides, shared=sst))
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_REL.replace("officeDocument/2006/relationships", "package/2006/relationships")}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        names = "".join(
            f'<sheet name="F{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1)
        )
        archive.writestr("xl/workbook.xml", f"<workbook {_NS} {_R}><sheets>{names}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        if shared:
            rels += f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        for index, body in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as part:
                part.write(f"<worksheet {_NS}><sheetData>".encode())
                for chunk in body():
                    part.write(chunk)
                part.write(b"</sheetData></worksheet>")
        if shared:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for chunk in shared():
                    part.write(chunk)
    return path


def _header_row() -> bytes:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", ("territoire", "indicateur", "periode", "valeur"), strict=True)
    )
    return f'<row r="1">{cells}</row>'.encode()


def inline_cell_bomb(path: Path, megabytes: int = 300) -> Path:
    """One inline-string cell of `megabytes` MB (the 307 KB file of the issue)."""

    def body():
        yield _header_row()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = b"A" * MB
        for _ in range(megabytes):
            yield block
        yield b"</t></is></c></row>"

    return write_workbook(path, [body])


def shared_strings_bomb(path: Path, megabytes: int = 400) -> Path:
    """A shared-strings table of `megabytes` MB referenced by one cell."""

    def body():
        yield _header_row()
        yield b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'

    def shared():
        yield f'<sst {_NS} count="1" uniqueCount="1"><si><t>'.encode()
        block = b"B" * MB
        for _ in range(megabytes):
            yield block
        yield b"</t></si></sst>"

    return write_workbook(path, [body], shared)


def _rows(count: int):
    """A sheet of `count` identical data rows (no `r` attribute: optional, and it compresses well)."""
    row = (
        b'<row><c t="inlineStr"><is><t>62119</t></is></c>'
        b'<c t="inlineStr"><is><t>IA_CAFES_PARTENAIRES</t></is></c>'
        b'<c t="inlineStr"><is><t>2026-T3</t></is></c><c><v>3</v></c></row>'
    )

    def body():
        yield (
            _header_row()
            .replace(b' r="1"', b"")
            .replace(b'r="A1" ', b"")
            .replace(b'r="B1" ', b"")
            .replace(b'r="C1" ', b"")
            .replace(b'r="D1" ', b"")
        )
        for first in range(0, count, 1000):
            yield row * min(1000, count - first)

    return body


def many_sheets_bomb(path: Path, sheets: int = 17, rows: int = 52_000) -> Path:
    return write_workbook(path, [_rows(rows) for _ in range(sheets)])


_PROBE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from indicators.upload import read_upload
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
path = sys.argv[1]
start = time.perf_counter()
with open(path, "rb") as handle:
    data = handle.read()
table = read_upload(data, path)
print(json.dumps({{
    "seconds": time.perf_counter() - start,
    "peak_mb": hwm(),
    "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "issues": [[i.kind, i.message] for i in table.issues],
    "rows": len(table.rows),
}}))
"""


def probe(path: Path) -> dict:
    """Read `path` with read_upload in a fresh process: its time, peak memory and issues."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(root=str(ROOT)), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "build, kind, words",
    [
        (inline_cell_bomb, "fichier-trop-volumineux", "Le classeur occupe 300 Mo une fois décompressé"),
        (shared_strings_bomb, "fichier-trop-volumineux", "Le classeur occupe 400 Mo une fois décompressé"),
        (many_sheets_bomb, "fichier-trop-volumineux", "une fois décompressé : au plus 64 Mo"),
    ],
    ids=["cellule-300-Mo", "textes-partages-400-Mo", "17-feuilles-52000-lignes"],
)
def test_workbook_bombs_are_refused_quickly_in_little_memory(tmp_path, build, kind, words):
    path = build(tmp_path / "bombe.xlsx")
    assert path.stat().st_size < 10 * MB  # under the upload limit: only the contents are hostile
    result = probe(path)
    assert [i[0] for i in result["issues"]] == [kind], result
    assert words in result["issues"][0][1]
    assert result["seconds"] < 5, result  # a bound for a bomb, not a benchmark
    assert result["peak_mb"] < 300, result
    print(path.stat().st_size, result)


def test_shared_strings_are_bounded_on_their_own(tmp_path):
    path = shared_strings_bomb(tmp_path / "textes.xlsx", megabytes=40)
    issues = read_upload(path.read_bytes(), "textes.xlsx").issues
    assert [(i.kind, i.message) for i in issues] == [
        ("fichier-trop-volumineux", "La table des textes du classeur occupe 40 Mo : au plus 32 Mo.")
    ]


def test_too_many_sheets_and_a_cell_too_long(tmp_path):
    path = many_sheets_bomb(tmp_path / "feuilles.xlsx", sheets=21, rows=3)
    issues = read_upload(path.read_bytes(), "feuilles.xlsx").issues
    assert [i.kind for i in issues] == ["trop-de-feuilles"]
    assert issues[0].message.startswith("Le classeur compte 21 feuilles : au plus 20.")
    path = inline_cell_bomb(tmp_path / "long.xlsx", megabytes=1)
    issues = read_upload(path.read_bytes(), "long.xlsx").issues
    assert [(i.kind, i.line) for i in issues] == [("texte-trop-long", 2)]
    assert (
        issues[0].message
        == "Une cellule de la ligne 2 compte 1 048 576 caractères : au plus 32 767 par cellule."
    )
    text = "territoire;indicateur;periode;valeur\n62119;X;2026-T3;" + "9" * 40_000 + "\n"
    issues = read_upload(text.encode(), "long.csv").issues
    assert [(i.kind, i.line) for i in issues] == [("texte-trop-long", 2)]


def test_only_the_sheet_holding_the_header_is_read(tmp_path):
    def notes():
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>Notes de travail</t></is></c></row>'

    path = write_workbook(tmp_path / "deux.xlsx", [notes, _rows(3)])
    table = read_upload(path.read_bytes(), "deux.xlsx")
    assert table.readable and table.sheet == "F2" and [r.line for r in table.rows] == [2, 3, 4]


def test_true_row_counts_when_there_are_too_many(tmp_path):
    csv_text = "territoire;indicateur;periode;valeur\n" + "62119;X;2026-T3;1\n" * 60_000
    issues = read_upload(csv_text.encode(), "grand.csv").issues
    assert [(i.kind, i.message) for i in issues] == [
        ("trop-de-lignes", "Le fichier compte 60 000 lignes : au plus 50 000 par dépôt.")
    ]
    path = write_workbook(tmp_path / "grand.xlsx", [_rows(1_500)])
    issues = read_upload(path.read_bytes(), "grand.xlsx", max_rows=1_000).issues
    assert [(i.kind, i.message) for i in issues] == [
        ("trop-de-lignes", "Le fichier compte 1 500 lignes : au plus 1 000 par dépôt.")
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_with_its_fix(encoding):
    data = "territoire;indicateur;periode;valeur\n62119;X;2026-T3;1\n".encode(encoding)
    issues = read_upload(data, "unicode.csv").issues
    assert [i.kind for i in issues] == ["fichier-illisible"]
    assert "encodé en UTF-16" in issues[0].message and "enregistrez le fichier en UTF-8" in issues[0].message


def test_a_lying_zip_is_not_inflated_past_its_declared_size(tmp_path):
    """An .ods whose central directory understates content.xml: refused, never expanded."""
    good = (ROOT / "tests" / "data" / "uploads" / "good_libreoffice.ods").read_bytes()
    source = zipfile.ZipFile(tmp_path / "x.zip", "w")  # placeholder to get a ZipInfo class
    source.close()
    with zipfile.ZipFile(__import__("io").BytesIO(good)) as archive:
        content = archive.read("content.xml")
    lying = tmp_path / "menteur.ods"
    with zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content + b"<!--" + b"x" * (5 * MB) + b"-->")
    data = bytearray(lying.read_bytes())
    # Rewrite the declared uncompressed size of content.xml in the central directory to 1 KB.
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"content.xml"))
    data[entry + 24 : entry + 28] = (1024).to_bytes(4, "little")
    issues = read_upload(bytes(data), "menteur.ods", limits=Limits()).issues
    assert [i.kind for i in issues] == ["classeur-invalide"]


def test_a_file_at_the_limits_is_read_in_under_300_mb(tmp_path):
    path = write_workbook(tmp_path / "limite.xlsx", [_rows(49_990)])
    result = probe(path)
    assert result["issues"] == [] and result["rows"] == 49_990
    assert result["peak_mb"] < 300, result


def test_the_command_line_never_reads_an_oversized_file_whole(tmp_path):
    big = tmp_path / "enorme.csv"
    with big.open("wb") as handle:
        handle.write(b"territoire;indicateur;periode;valeur\n")
        handle.truncate(800 * MB)  # sparse: 800 MB on the file system, nothing on disk
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import cli\n"
        "code = cli.main(['import', sys.argv[1], '--dry-run'])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print('PEAK', int(hwm) / 1024)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "CTG_DATABASE_URL": f"duckdb:///{tmp_path / 'vide.duckdb'}"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(big)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "Le fichier pèse 800 Mo : au plus 10 Mo par dépôt. [fichier-trop-volumineux]" in done.stdout
    peak = float(done.stdout.split("PEAK")[1])
    assert peak < 300, peak


def test_an_ods_repeating_a_row_a_million_times_is_counted_not_expanded(tmp_path):
    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in ("territoire", "indicateur", "periode", "valeur")
    )
    row = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell office:value-type="string"><text:p>62119</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>IA_CAFES_PARTENAIRES</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>2026-T3</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="3" table:number-columns-repeated="16000">'
        "<text:p>3</text:p></table:table-cell></table:table-row>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:table="{table_ns}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:spreadsheet><table:table table:name="F1"><table:table-row>{cells}'
        f"</table:table-row>{row}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "repete.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    result = probe(path)
    assert [i[0] for i in result["issues"]] == ["trop-de-lignes"], result
    assert result["issues"][0][1] == "Le fichier compte 1 000 000 lignes : au plus 50 000 par dépôt."
    assert result["peak_mb"] < 300 and result["seconds"] < 5, result
