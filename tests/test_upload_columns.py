"""A CSV read into columns (pandas' C parser) gives the table the row by row reader gives:
same header, same cells, same line numbers; what only the row by row reader reads the
same way is handed to it (and then the line numbers are still the file's)."""

from __future__ import annotations

import random

import pytest

from indicators.upload import Limits, RawTable, _csv_columns, _csv_rows, read_upload

HEADER = ["territoire", "indicateur", "periode", "valeur", "commentaire"]


def _same(text: str, separator: str = ";") -> RawTable:
    fast = _csv_columns(text, separator, RawTable(), Limits())
    assert fast is not None, "the columns reader should read this text"
    slow = _csv_rows(text, separator, RawTable(), Limits())
    assert [(i.kind, i.message, i.line) for i in fast.issues] == [
        (i.kind, i.message, i.line) for i in slow.issues
    ]
    assert (fast.header_line, fast.columns, fast.ignored_columns) == (
        slow.header_line,
        slow.columns,
        slow.ignored_columns,
    )
    # a cell missing at the end of a short row is None for one reader, "" for the other
    assert [(r.line, {k: v or "" for k, v in r.values.items()}) for r in fast.rows] == [
        (r.line, {k: v or "" for k, v in r.values.items()}) for r in slow.rows
    ]
    return fast


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_ends_blank_lines_titles_and_quotes(end):
    lines = [
        "Dépôt du troisième trimestre;;;;",
        "",
        ";".join(HEADER + ["notes"]),
        '62119;PE_PLACES_ACCUEIL;2026-T3;"1 234,5";"dit ""oui"""',
        "   ;  ;  ;  ;  ",
        "62178; IA_CAFES_PARTENAIRES ;2026-T3;3",
        "",
        '"62720";"IA_CAFES_PARTENAIRES";"2026-T2";"2";"";"x"',
    ]
    table = _same(end.join(lines) + end)
    assert [r.line for r in table.rows] == [4, 6, 8]
    assert table.rows[0].values["commentaire"] == 'dit "oui"'
    assert table.rows[1].values["indicateur"] == "IA_CAFES_PARTENAIRES"
    assert table.ignored_columns == ["notes"]


def test_random_files_read_the_same():
    rng = random.Random(12)
    cells = ["62119", "Béthune", "PE_PLACES_ACCUEIL", "2026-T3", "1 234,5", "", " x ", '"a;b"', "=1+1"]
    for _ in range(40):
        separator = rng.choice([";", ",", "\t"])
        rows = [separator.join(HEADER)]
        for _ in range(rng.randint(0, 30)):
            row = [rng.choice(cells).replace(";", separator) for _ in range(rng.randint(1, 5))]
            rows.append(separator.join(row) if rng.random() > 0.1 else "")
        text = rng.choice(["\n", "\r\n"]).join(rows) + rng.choice(["", "\n"])
        if _csv_columns(text, separator, RawTable(), Limits()) is not None:
            _same(text, separator)


WIDER_LATE = (
    "territoire;indicateur;periode;valeur\n"
    + "62119;X;2026-T3;1\n" * 60
    + "62119;X;2026-T3;1;en trop;encore\n62178;X;2026-T3;1\n"
)


@pytest.mark.parametrize(
    "text, lines",
    [
        ('territoire;indicateur;periode;valeur\n62119;X;2026-T3;"deux\nlignes"\n62178;X;2026-T3;1\n', [2, 4]),
        (WIDER_LATE, list(range(2, 64))),
    ],
    ids=["cellule-sur-deux-lignes", "ligne-plus-large-que-les-premieres"],
)
def test_what_the_columns_reader_leaves_to_the_row_reader(text, lines):
    assert _csv_columns(text, ";", RawTable(), Limits()) is None
    assert [r.line for r in read_upload(text.encode(), "f.csv").rows] == lines


def test_a_wider_row_among_the_first_lines_is_read_in_columns():
    text = "territoire;indicateur;periode;valeur\n62119;X;2026-T3;1;en trop\n62178;X;2026-T3;1\n"
    assert [r.line for r in _same(text).rows] == [2, 3]


def test_rows_past_the_limit_are_counted_across_chunks():
    text = "territoire;indicateur;periode;valeur\n" + "62119;X;2026-T3;1\n\n" * 45_000
    table = _csv_columns(text, ";", RawTable(), Limits(max_rows=40_000))
    assert table is not None
    assert [(i.kind, i.message) for i in table.issues] == [
        ("trop-de-lignes", "Le fichier compte 45 000 lignes : au plus 40 000 par dépôt.")
    ]
    table = _csv_columns(text, ";", RawTable(), Limits(max_rows=45_000))
    assert table.issues == [] and len(table.frame) == 45_000
    assert table.frame["ligne"].iloc[-1] == 90_000  # blank lines counted in the line numbers
