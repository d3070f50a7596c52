"""Reading uploads tolerantly: numbers, headers, encodings, separators, limits, formulas."""

from __future__ import annotations

import pytest

from indicators.formatting import neutralise
from indicators.upload import column_of_header, parse_number, read_upload


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", 12.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234.567", 1234567.0),
        ("110 021,39 €", 110021.39),
        ("€ 12", 12.0),
        ("12,5 %", 12.5),
        ("12,5%", 12.5),
        ("−3", -3.0),
        ("-3,5", -3.5),
        (" 7 ", 7.0),
        (3, 3.0),
        (2.5, 2.5),
    ],
)
def test_numbers_written_the_french_or_english_way(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "", "12 abc", "1,2,3x", "=1+1", "12..5", "oui", "1-2", "1.23.4", "12.34,5,6", "1,2.3,4"]
)
def test_not_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    "header, column",
    [
        ("territoire", "territoire"),
        ("Commune", "territoire"),
        ("code_insee", "territoire"),
        ("Code commune", "territoire"),
        ("CODE INSEE", "territoire"),
        ("Période", "periode"),
        ("trimestre", "periode"),
        ("  Valeur ", "valeur"),
        ("Indicateur", "indicateur"),
        ("Commentaires", "commentaire"),
        ("libellé", None),
        ("unité", None),
        ("nom_territoire", None),
        ("derniere_valeur_connue", None),
    ],
)
def test_header_aliases_ignore_case_accents_and_spaces(header, column):
    assert column_of_header(header) == column


def test_formula_like_text_is_neutralised():
    assert [neutralise(t) for t in ["=A1", "+33", "-x", "@SUM", "\tx", "texte", "12"]] == [
        "'=A1",
        "'+33",
        "'-x",
        "'@SUM",
        "'\tx",
        "texte",
        "12",
    ]


CONTENT = "territoire;indicateur;période;valeur\n62119;PE;2026-T3;1 234,5\n\n62178;PE;2026-T3;x\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_encodings(encoding):
    table = read_upload(CONTENT.encode(encoding), "f.csv")
    assert table.readable
    assert table.columns["periode"] == "période"
    assert [r.line for r in table.rows] == [2, 4]  # blank line skipped, lines kept


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_separators(separator):
    content = 'territoire|indicateur|periode|valeur\n62119|PE|2026|"3,5"\n'.replace("|", separator)
    table = read_upload(content.encode(), "f.csv")
    assert table.separator == separator
    assert table.rows[0].values["valeur"] == "3,5"


def test_limits_of_size_and_rows():
    data = ("territoire;indicateur;periode;valeur\n" + "62119;PE;2026-T3;1\n" * 20).encode()
    assert read_upload(data, "f.csv", max_rows=20).readable
    too_many = read_upload(data, "f.csv", max_rows=19)
    assert [(i.kind, i.message) for i in too_many.issues] == [
        ("trop-de-lignes", "Le fichier compte 20 lignes : au plus 19 par dépôt.")
    ]
    too_big = read_upload(data, "f.csv", max_bytes=100)
    assert [(i.kind, i.message) for i in too_big.issues] == [
        ("fichier-trop-volumineux", "Le fichier pèse 0 Mo : au plus 0 Mo par dépôt.")
    ]  # rounded


def test_default_limit_is_ten_megabytes():
    big = b"territoire;indicateur;periode;valeur\n" + b"x" * (10 * 1024 * 1024)
    issue = read_upload(big, "f.csv").issues[0]
    assert issue.kind == "fichier-trop-volumineux"
    assert issue.message == "Le fichier pèse 10 Mo : au plus 10 Mo par dépôt."
