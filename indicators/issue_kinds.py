"""Every kind of problem an upload can have: code, French title, description, severity.

The one registry: the validation (`indicators/validation.py`) and the file reader
(`indicators/upload.py`) only raise kinds listed here, the report shows their titles, and
the README's table of error kinds is generated from it (`scripts/readme_tables.py`;
tests/test_docs.py checks it is up to date).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IssueKind:
    """One kind of problem: its code (in reports and exports), title and what it means."""

    code: str
    title: str
    description: str
    severity: str = "erreur"  # erreur: the file is refused; avertissement: shown, not blocking
    scope: str = "ligne"  # ligne: a row of the file; fichier: the file itself


ISSUE_KINDS: tuple[IssueKind, ...] = (
    # -- the file itself
    IssueKind(
        "fichier-vide",
        "fichier vide",
        "le fichier ne contient aucune ligne, ou aucune feuille visible",
        scope="fichier",
    ),
    IssueKind(
        "fichier-illisible",
        "fichier illisible",
        "ni un texte CSV lisible, ni un classeur ; un texte UTF-16, avec la marche à suivre (l'enregistrer en UTF-8)",
        scope="fichier",
    ),
    IssueKind(
        "fichier-trop-volumineux",
        "fichier trop volumineux",
        "au-delà de la taille maximale d'un dépôt, ou d'un classeur une fois décompressé",
        scope="fichier",
    ),
    IssueKind(
        "trop-de-lignes",
        "trop de lignes",
        "au-delà du nombre maximal de lignes d'un dépôt (le message donne le vrai nombre)",
        scope="fichier",
    ),
    IssueKind(
        "trop-de-feuilles",
        "trop de feuilles",
        "un classeur au-delà du nombre maximal de feuilles",
        scope="fichier",
    ),
    IssueKind(
        "format-non-pris-en-charge",
        "format non pris en charge",
        "une extension autre que celles acceptées",
        scope="fichier",
    ),
    IssueKind(
        "classeur-invalide",
        "classeur Excel invalide",
        "un .xlsx ou un .ods abîmé, protégé ou qui n'en est pas un",
        scope="fichier",
    ),
    IssueKind("non-tabulaire", "pas un tableau", "du texte sans colonnes reconnaissables", scope="fichier"),
    IssueKind(
        "colonnes-manquantes",
        "en-tête non reconnu",
        "aucune ligne d'en-tête avec les colonnes du modèle",
        scope="fichier",
    ),
    IssueKind(
        "colonne-manquante",
        "colonne manquante",
        "une colonne obligatoire du modèle est absente",
        scope="fichier",
    ),
    IssueKind(
        "droits-insuffisants",
        "droits insuffisants",
        "un compte en lecture seule ne dépose pas de valeurs",
        scope="fichier",
    ),
    # -- a row: where
    IssueKind("territoire-manquant", "territoire manquant", "la colonne territoire est vide"),
    IssueKind("territoire-inconnu", "territoire inconnu", "code ou nom absent du référentiel"),
    IssueKind(
        "hors-perimetre", "hors périmètre", "un chargé dépose pour un territoire qui n'est pas le sien"
    ),
    # -- a row: what
    IssueKind("indicateur-manquant", "indicateur manquant", "la colonne indicateur est vide"),
    IssueKind("indicateur-inconnu", "indicateur inconnu", "code ou libellé absent du catalogue"),
    IssueKind(
        "indicateur-calcule",
        "indicateur calculé",
        "un taux recalculé, ou un indicateur que l'application calcule : déposer ses composantes",
    ),
    IssueKind(
        "niveau-non-collecte",
        "niveau non collecté",
        "l'indicateur ne se collecte pas à ce niveau (commune, structure, EPCI)",
    ),
    # -- a row: when
    IssueKind("periode-manquante", "période manquante", "la colonne période est vide"),
    IssueKind("periode-invalide", "période invalide", "`2026-T5`, `T3`, une date"),
    IssueKind("periode-hors-convention", "période hors convention", "avant 2026 ou après 2030"),
    IssueKind("periode-future", "période future", "un trimestre ou une année pas encore commencés"),
    IssueKind(
        "periodicite-incompatible",
        "périodicité incompatible",
        "un trimestre pour un indicateur annuel, ou l'inverse",
    ),
    # -- a row: the value
    IssueKind("pas-un-nombre", "pas un nombre", "`abc` là où un nombre est attendu"),
    IssueKind("pas-un-entier", "pas un entier", "`2,5` pour un nombre de cafés des parents"),
    IssueKind("sous-minimum", "sous le minimum", "`-3`, sous la borne du catalogue"),
    IssueKind(
        "au-dessus-maximum",
        "au-dessus du maximum",
        "`112 %`, au-dessus de la borne du catalogue ; `1e308` places, au-delà du plafond de vraisemblance",
    ),
    IssueKind("jalon-invalide", "jalon invalide", "ni `oui`, ni `non`, ni une date de réalisation"),
    IssueKind(
        "texte-trop-long",
        "texte trop long",
        "un commentaire ou un texte au-delà de la longueur maximale, ou une cellule de plus de 32 767 caractères",
    ),
    IssueKind(
        "doublon-contradictoire",
        "doublon contradictoire",
        "même territoire, indicateur et période deux fois avec deux valeurs",
    ),
    # -- warnings: the file is accepted
    IssueKind(
        "doublon", "doublon", "la même ligne deux fois avec la même valeur (gardée une fois)", "avertissement"
    ),
    IssueKind(
        "valeur-suspecte",
        "valeur suspecte",
        "plus de trois fois la valeur de la période précédente (et, pour un effectif, au moins 10 unités de plus)",
        "avertissement",
    ),
    IssueKind(
        "formule-neutralisee",
        "formule neutralisée",
        "un texte commençant par `=`, `+`, `-` ou `@` reçoit une apostrophe",
        "avertissement",
    ),
    # -- across indicators (indicators/rules.py, seed/regles_validation.csv)
    IssueKind(
        "regle-de-coherence",
        "règle de cohérence entre indicateurs",
        "une règle de `seed/regles_validation.csv` (une partie ne dépasse pas son tout, un total est "
        "la somme de ses parties…) n'est pas respectée par le fichier, seul ou avec les valeurs "
        "enregistrées ; le message nomme les lignes et les valeurs des deux côtés",
        "erreur ou avertissement, selon la règle",
    ),
)

BY_CODE = {k.code: k for k in ISSUE_KINDS}
ISSUE_LABELS = {k.code: k.title for k in ISSUE_KINDS}


def title(code: str) -> str:
    """The French title of a kind (the code itself when unknown)."""
    kind = BY_CODE.get(code)
    return kind.title if kind else code


def markdown_table() -> str:
    """The README's table of error kinds (one row per kind)."""
    lines = ["| type | sévérité | ce qu'il signale |", "| --- | --- | --- |"]
    for k in ISSUE_KINDS:
        lines.append(f"| `{k.code}` ({k.title}) | {k.severity} | {k.description} |")
    return "\n".join(lines)
