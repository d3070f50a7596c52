"""Several conventions in one deployment: seed/ holds one folder per convention, `initialiser`
loads them all (or the one named), an account's rights are per convention (migration 9), and
nothing of one convention — value, comment, target, meeting, engagement, audit row — appears
in another's figures, exports, templates, bilan or journal, or can be written into it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from datetime import datetime

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from db import migrations, schema
from db.store import Store
from indicators.access import SYSTEM, AccessDenied
from indicators.catalogue import load_reference, load_references
from services.accounts import (
    AccountError,
    actor_for,
    check_session,
    create_user,
    disable_user,
    get_user,
    remove_rights,
    update_user,
    users_overview,
)
from services.audit import AuditFilter, audit_entries, batch_entries
from services.demo import install_demo
from services.exports import export_bytes
from services.pilotage import (
    add_comment,
    comments_frame,
    engagements_frame,
    meetings_frame,
    record_meeting,
    set_engagement,
    set_target,
    targets_frame,
)
from services.reference import install_reference
from services.review import gather_review
from services.sessions import open_session
from services.settings import get_settings
from services.territories import set_sector_members
from services.uploads import ImportRejected, commit_import, import_file, prepare_import, revert_import
from services.values import current_values, upload_template
from tests.conftest import DEMO_CONVENTION_SEED, ROOT, app_serving
from ui.auth import ACTOR_KEY, SESSION_KEY

A = "ctg-cabbalr-2026-2030"
B = "ctg-ccra-demonstration"
B_COMMUNE = "62057"  # Audruicq
PW = "une phrase de passe assez longue"
TODAY = dt.date(2026, 11, 29)
MARK = 317  # the places of B's first commune (below its plausibility ceiling)
TARGET_A, TARGET_B = 1234567, 7654321
TABLES = ("observations", "batches", "cibles", "commentaires", "reunions", "engagements", "audit")


@pytest.fixture(scope="session")
def demo_ref():
    """The fictitious demonstration convention shipped in seed/."""
    return load_reference(DEMO_CONVENTION_SEED)


@pytest.fixture
def two(tmp_path, _seeded_template, demo_ref):
    """A store holding both conventions (no account, no value beyond the references)."""
    path = tmp_path / "deux.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        store.migrate()
        install_reference(store, demo_ref)
        yield store


def counts(store: Store) -> dict[str, int]:
    return {t: int(store.scalar(f"select count(*) from {t}")) for t in TABLES}


def values_file(rows: list[tuple[str, str, str, object]]) -> bytes:
    lines = ["territoire;indicateur;periode;valeur"] + [";".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- seed/ --------------------------------------------------------------------------------------------
def test_seed_holds_one_folder_per_convention_the_second_one_real_territory_fictitious_convention(
    ref, demo_ref
):
    refs = load_references(ROOT / "seed")
    assert [r.convention.code for r in refs] == [A, B]
    assert [r.convention.demonstration for r in refs] == [False, True]
    # The territory is real: the official member list and the INSEE populations shipped with it.
    sources = DEMO_CONVENTION_SEED / "sources"
    epci = json.loads((sources / "epci-246200844-ccra-membres-cog2026.json").read_text(encoding="utf-8"))
    assert demo_ref.epci == epci["code"] == "246200844"
    assert {t.code: t.nom for t in demo_ref.communes()} == {m["code"]: m["nom"] for m in epci["membres"]}
    assert len(demo_ref.communes()) == 15
    with (sources / "insee-populations-legales-ccra.csv").open(encoding="utf-8") as f:
        insee = {r["CODDEP"] + r["CODCOM"]: float(r["PMUN"]) for r in csv.DictReader(f, delimiter=";")}
    populations = {o.territoire: o.valeur for o in demo_ref.observations if o.indicateur == "POP_MUNICIPALE"}
    assert populations == insee
    # No territory of one convention is a territory of the other.
    assert not {t.code for t in ref.territories} & {t.code for t in demo_ref.territories}
    # Everything made up says so where it shows.
    texts = [demo_ref.convention.nom, demo_ref.convention.section]
    texts += [e.titre for e in demo_ref.enjeux] + [a.titre for a in demo_ref.ambitions]
    texts += [f.titre for f in demo_ref.fiches] + [o for f in demo_ref.fiches for o in f.objectifs]
    texts += [c.libelle for c in demo_ref.calendar]
    assert all("fictif" in t.lower() or "fictive" in t.lower() for t in texts), texts
    made_up = [i for i in demo_ref.indicators if i.code != "POP_MUNICIPALE"]
    assert all("Fictif / démonstration" in i.section for i in made_up)
    assert all(
        s.representant.startswith("Aucun : convention fictive") for s in demo_ref.convention.signataires
    )


def test_initialiser_loads_every_convention_or_the_one_named(tmp_path, monkeypatch, capsys):
    from cli import main

    monkeypatch.setenv("CTG_DATABASE_URL", f"duckdb:///{tmp_path / 'tout.duckdb'}")
    get_settings.cache_clear()
    try:
        assert main(["initialiser"]) == 0
        out = capsys.readouterr().out
        assert f"Convention {A} :" in out and f"Convention {B} — convention fictive de démonstration" in out
        with Store(tmp_path / "tout.duckdb") as store:
            assert sorted(store.query_df("select code from conventions")["code"]) == [A, B]
        monkeypatch.setenv("CTG_DATABASE_URL", f"duckdb:///{tmp_path / 'une.duckdb'}")
        get_settings.cache_clear()
        assert main(["initialiser", "--convention", B]) == 0
        with Store(tmp_path / "une.duckdb") as store:
            assert store.query_df("select code from conventions")["code"].tolist() == [B]
            assert int(store.scalar("select count(*) from territoires where convention = :c", {"c": A})) == 0
        assert main(["initialiser", "--convention", "ctg-inconnue"]) == 1
        err = capsys.readouterr().err
        assert "Convention « ctg-inconnue » inconnue" in err and A in err and B in err
    finally:
        get_settings.cache_clear()


# -- migration 9 --------------------------------------------------------------------------------------
def test_migration_9_gives_existing_accounts_their_rights_on_the_convention_loaded(
    tmp_path, _seeded_template
):
    path = tmp_path / "ancienne.duckdb"
    shutil.copy(_seeded_template, path)  # holds convention A only
    with Store(path) as store:

        def as_before_9(conn: sa.Connection) -> None:
            conn.execute(schema.droits.delete())
            conn.execute(schema.schema_migrations.delete().where(schema.schema_migrations.c.version == 9))
            for login, role, codes in (("ancienne", "charge", "62119,62178"), ("chef", "administrateur", "")):
                conn.execute(
                    schema.utilisateurs.insert().values(
                        login=login,
                        role=role,
                        territoires=codes,
                        password_hash="x",
                        created_at=datetime.now(),
                    )
                )

        store.write(as_before_9)
        assert store.migrate() == ["droits_par_convention"]
        assert get_user(store, "ancienne").rights == {A: ("charge", ("62119", "62178"))}
        assert get_user(store, "chef").rights == {A: ("administrateur", ())}
        assert store.migrate() == []


def test_a_migration_numbered_in_the_gap_runs_when_it_arrives(tmp_path, monkeypatch):
    """Migration 8 (sessions) was merged after 9 and 10 had run somewhere: it still runs."""
    full = list(migrations.MIGRATIONS)
    with Store(tmp_path / "trou.duckdb") as store:
        monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in full if m[0] != 8])
        assert "droits_par_convention" in store.migrate()
        monkeypatch.setattr(migrations, "MIGRATIONS", full)
        assert store.migrate() == ["sessions"]
        assert store.migrate() == []


# -- rights per convention ----------------------------------------------------------------------------
def test_rights_are_per_convention(two):
    create_user(two, SYSTEM, "marie", "charge", ["62119"], password=PW, convention=A)
    create_user(two, SYSTEM, "copil", "lecteur", password=PW, convention=A)
    update_user(two, SYSTEM, "copil", role="lecteur", convention=B)
    create_user(two, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)

    marie = actor_for(two, "marie", A)
    assert (marie.role, marie.territoires, marie.convention, marie.conventions) == (
        "charge",
        frozenset({"62119"}),
        A,
        (A,),
    )
    with pytest.raises(AccessDenied, match=f"aucun droit sur la convention {B}"):
        actor_for(two, "marie", B)
    assert actor_for(two, "copil", B).conventions == (A, B)
    # A session asking for a convention the account cannot open gets one it can.
    assert check_session(two, "marie", get_user(two, "marie").session_version, B).convention == A
    # A's territories are no territories of B.
    with pytest.raises(AccountError, match="Territoire\\(s\\) inconnu\\(s\\) du référentiel : 62119"):
        update_user(two, SYSTEM, "marie", role="charge", territoires=["62119"], convention=B)
    # An administrator of B manages B: not A's rights, not an account that cannot open B.
    chef_b = actor_for(two, "chef-b", B)
    with pytest.raises(AccessDenied, match=f"agit dans la convention {B}"):
        update_user(two, chef_b, "marie", role="lecteur", convention=A)
    with pytest.raises(AccessDenied, match=f"n'a pas de droits sur la convention {B}"):
        disable_user(two, chef_b, "marie")
    update_user(two, chef_b, "marie", role="lecteur")  # gives marie rights on B, as a reader
    assert actor_for(two, "marie", B).role == "lecteur" and actor_for(two, "marie", A).role == "charge"
    # Each convention keeps its administrator.
    with pytest.raises(AccountError, match="dernier compte administrateur"):
        remove_rights(two, chef_b, "chef-b")
    remove_rights(two, chef_b, "marie")
    assert get_user(two, "marie").conventions == (A,)
    # The journal of each convention holds its own account changes.
    journal_b = audit_entries(two, AuditFilter(convention=B))
    assert set(journal_b["Action"]) >= {"Création d'un compte"} or len(journal_b) >= 3
    assert all(A not in str(v) for v in journal_b["Après"])


def test_a_charge_of_A_cannot_write_into_B(two, demo_ref, ref, monkeypatch, capsys, tmp_path):
    create_user(two, SYSTEM, "marie", "charge", ["62119"], password=PW, convention=A)
    create_user(two, SYSTEM, "chef-a", "administrateur", password=PW, convention=A)
    marie, chef_a = actor_for(two, "marie", A), actor_for(two, "chef-a", A)
    before = counts(two)
    data_b = values_file([(B_COMMUNE, "PE_PLACES_ACCUEIL", "2026", MARK)])
    with pytest.raises(AccessDenied, match=f"agit dans la convention {A}"):
        import_file(two, demo_ref, data_b, "b.csv", marie, today=TODAY)
    writes = {
        "cible": lambda: set_target(two, demo_ref, chef_a, "PE_PLACES_ACCUEIL", 2030, 10),
        "commentaire": lambda: add_comment(two, demo_ref, chef_a, "A1", "annuelle-2026", "dans B"),
        "commentaire du chargé": lambda: add_comment(two, demo_ref, marie, "A1", "annuelle-2026", "dans B"),
        "réunion": lambda: record_meeting(two, demo_ref, chef_a, "copil_elargi", dt.date(2026, 11, 15)),
        "engagement": lambda: set_engagement(two, demo_ref, chef_a, B_COMMUNE, True, dt.date(2026, 3, 1)),
        "démonstration": lambda: install_demo(two, demo_ref, chef_a),
        "annulation": lambda: revert_import(two, demo_ref, 1, chef_a),
    }
    for name, write in writes.items():
        with pytest.raises(AccessDenied, match="refusée dans la convention"):
            write()
            pytest.fail(name)
    assert counts(two) == before

    # The command line: `--as marie --convention B` is refused before anything is read.
    from cli import main

    path = tmp_path / "b.csv"
    path.write_bytes(data_b)
    monkeypatch.setenv("CTG_DATABASE_URL", two.url)
    get_settings.cache_clear()
    try:
        assert main(["deposer", str(path), "--as", "marie", "--convention", B]) == 2
        assert f"n'a aucun droit sur la convention {B}" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    assert counts(two) == before


def test_a_file_of_A_is_refused_in_B_and_a_plan_checked_in_A_is_not_committed_in_B(two, demo_ref, ref):
    create_user(two, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)
    chef_b = actor_for(two, "chef-b", B)
    before = counts(two)
    data_a = values_file(
        [("62119", "PE_PLACES_ACCUEIL", "2026", 12), (ref.epci, "PE_PLACES_ACCUEIL", "2026", 99)]
    )
    result = import_file(two, demo_ref, data_a, "a.csv", chef_b, today=TODAY)
    assert not result.plan.accepted and result.batch_id is None
    refused = " ".join(issue.message for issue in result.plan.report.errors)
    assert "62119" in refused and ref.epci in refused
    plan = prepare_import(two, ref, data_a, "a.csv", SYSTEM, today=TODAY)
    assert plan.accepted
    with pytest.raises(ImportRejected, match=f"vérifié pour la convention {A}"):
        commit_import(two, demo_ref, plan, SYSTEM)
    with pytest.raises(AccessDenied, match="refusée dans la convention"):
        set_sector_members(two, ref, chef_b, "SECTEUR_NORD", ["62119"])
    assert counts(two) == before


# -- reading: figures, exports, templates, journal ------------------------------------------------------
@pytest.fixture(scope="module")
def both(tmp_path_factory, _seeded_template, ref, demo_ref):
    """A: the demonstration data plus a target, a comment, a meeting and an engagement of its own;
    B: values, a target, a comment, a meeting and an engagement of its own."""
    path = tmp_path_factory.mktemp("deux") / "deux.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_reference(store, demo_ref)
        install_demo(store, ref, accounts=False)
        set_target(store, ref, SYSTEM, "PE_PLACES_ACCUEIL", 2030, TARGET_A)
        add_comment(store, ref, SYSTEM, "A1", "annuelle-2026", "Analyse propre à la CABBALR")
        record_meeting(store, ref, SYSTEM, "copil_elargi", dt.date(2026, 11, 20), note="Réunion A")
        set_engagement(store, ref, SYSTEM, "62119", True, dt.date(2026, 2, 2), "Élu de Béthune", today=TODAY)
        rows = [(c.code, "PE_PLACES_ACCUEIL", "2026", MARK + i) for i, c in enumerate(demo_ref.communes())]
        rows += [(c.code, "PE_ENFANTS_MOINS_3", "2026", 100) for c in demo_ref.communes()]
        rows += [(c.code, "JE_ACTIONS_JEUNESSE", "2026-T3", 7) for c in demo_ref.communes()]
        assert import_file(store, demo_ref, values_file(rows), "b.csv", SYSTEM, today=TODAY).batch_id
        set_target(store, demo_ref, SYSTEM, "PE_PLACES_ACCUEIL", 2030, TARGET_B)
        add_comment(store, demo_ref, SYSTEM, "A1", "annuelle-2026", "Analyse propre à la convention fictive")
        record_meeting(store, demo_ref, SYSTEM, "copil_elargi", dt.date(2026, 11, 21), note="Réunion B")
        set_engagement(
            store, demo_ref, SYSTEM, B_COMMUNE, True, dt.date(2026, 3, 3), "Élu d'Audruicq", today=TODAY
        )
        yield store


def _codes(ref) -> set[str]:
    return {t.code for t in ref.territories}


def test_each_convention_reads_its_own_rows_only(both, ref, demo_ref):
    for mine, other in ((ref, demo_ref), (demo_ref, ref)):
        code = mine.convention.code
        assert set(current_values(both, mine)["territoire"]) <= _codes(mine)
        assert set(targets_frame(both, code)["territoire"]) <= _codes(mine)
        assert not set(engagements_frame(both, code)["commune"]) & _codes(other)
    assert list(targets_frame(both, B)["valeur"]) == [TARGET_B]
    assert TARGET_B not in set(targets_frame(both, A)["valeur"])
    assert list(comments_frame(both, B)["texte"]) == ["Analyse propre à la convention fictive"]
    assert "Analyse propre à la convention fictive" not in set(comments_frame(both, A)["texte"])
    assert list(meetings_frame(both, B)["note"]) == ["Réunion B"]
    assert "Réunion B" not in set(meetings_frame(both, A)["note"])


def test_figures_of_a_convention_hold_nothing_of_the_other(both, ref, demo_ref):
    fig_b = gather_review(both, demo_ref, "annuelle-2026", today=TODAY)
    places = fig_b.series("PE_PLACES_ACCUEIL").set_index("periode")["valeur"].to_dict()
    assert places == {"2026": sum(MARK + i for i in range(15))}  # B's communes, and only them
    assert fig_b.series("JE_ACTIONS_JEUNESSE").set_index("periode")["valeur"].to_dict() == {"2026-T3": 7 * 15}
    assert fig_b.targets_of("PE_PLACES_ACCUEIL") == {2030: TARGET_B}
    assert list(fig_b.comments["texte"]) == ["Analyse propre à la convention fictive"]
    assert list(fig_b.meetings["note"]) == ["Réunion B"]
    assert set(fig_b.engagements["commune"]) == {c.code for c in demo_ref.communes()}
    assert not fig_b.demo  # A's demonstration data are A's
    assert set(fig_b.completeness["territoire"]) <= _codes(demo_ref)
    fig_a = gather_review(both, ref, "annuelle-2026", today=TODAY)
    assert fig_a.targets_of("PE_PLACES_ACCUEIL") == {2030: TARGET_A}
    assert "Analyse propre à la convention fictive" not in set(fig_a.comments["texte"])
    assert "Réunion B" not in set(fig_a.meetings["note"])
    assert fig_a.series("PE_PLACES_ACCUEIL").set_index("periode")["valeur"].get("2026") != places["2026"]
    assert not set(fig_a.engagements["commune"]) & _codes(demo_ref)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_and_templates_of_a_convention_hold_nothing_of_the_other(both, ref, demo_ref, suffix):
    import pandas as pd

    def read(data: bytes) -> pd.DataFrame:
        if suffix == ".csv":
            return pd.read_csv(io.BytesIO(data), sep=";", dtype=str, encoding="utf-8-sig")
        return pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")

    export_a, export_b = read(export_bytes(both, ref, suffix)), read(export_bytes(both, demo_ref, suffix))
    assert set(export_a["territoire"]) <= _codes(ref) and set(export_b["territoire"]) <= _codes(demo_ref)
    assert set(export_b["demonstration"]) == {"oui (convention fictive de démonstration)"}
    communes_b = [c.code for c in demo_ref.communes()]
    template = read(upload_template(both, demo_ref, communes_b, "2026", suffix))
    territory_column = next(c for c in template.columns if "territoire" in c.lower())
    shown = set(template[territory_column].dropna())
    assert shown and shown <= _codes(demo_ref)


def test_the_journal_of_a_convention_holds_its_own_rows(both):
    changes_b = audit_entries(both, AuditFilter(convention=B))
    batches_b = batch_entries(both, AuditFilter(convention=B))
    text_b = changes_b.to_csv() + batches_b.to_csv()
    assert "Analyse propre à la convention fictive" in text_b and "Réunion B" in text_b
    assert "CABBALR" not in text_b and "Réunion A" not in text_b and "Béthune" not in text_b
    assert "Démonstration" not in set(batches_b["Nature"])  # A's demonstration batch
    text_a = audit_entries(both, AuditFilter(convention=A)).to_csv()
    assert "Réunion A" in text_a and "Réunion B" not in text_a and "convention fictive" not in text_a
    raw = both.query_df("select distinct convention from audit")
    assert set(raw["convention"]) == {A, B}


@pytest.mark.browser
def test_the_bilan_of_the_fictitious_convention_is_flagged_and_holds_nothing_of_the_other(
    both, demo_ref, tmp_path
):
    import subprocess

    from services.bilan import build_bilan

    bilan = build_bilan(both, demo_ref, "annuelle-2026", today=TODAY)
    assert bilan.pdf.startswith(b"%PDF")
    assert "Convention fictive de démonstration" in bilan.html
    (tmp_path / "b.pdf").write_bytes(bilan.pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True).stdout
    assert text.count("CONVENTION FICTIVE") == bilan.pages  # the footer of every page
    assert "Audruicq" in bilan.html and "Analyse propre à la convention fictive" in bilan.html
    for other in (
        "Béthune",
        "CABBALR",
        "Analyse propre à la CABBALR",
        "Réunion A",
        f"{TARGET_A:,}".replace(",", " "),
    ):
        assert other not in bilan.html, other


# -- the page: the convention selector ----------------------------------------------------------------
def _logged_in(store: Store, login: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ACTOR_KEY] = actor_for(store, login)
    at.session_state[SESSION_KEY] = open_session(store, get_user(store, login)).session_id  # a stored session
    return at


def _text(at: AppTest) -> str:
    shown = (
        *at.title,
        *at.header,
        *at.subheader,
        *at.markdown,
        *at.caption,
        *at.info,
        *at.warning,
        *at.error,
    )
    return "\n".join([str(e.value) for e in shown] + [f"{m.label} {m.value}" for m in at.metric])


def test_an_account_on_two_conventions_switches_between_them(both, ref):
    from ui.context import SELECTOR_KEY

    with Store(both.url.removeprefix("duckdb:///")) as store:
        if get_user(store, "copil-deux") is None:
            create_user(store, SYSTEM, "copil-deux", "lecteur", password=PW, convention=A)
            update_user(store, SYSTEM, "copil-deux", role="lecteur", convention=B)
            create_user(store, SYSTEM, "copil-un", "lecteur", password=PW, convention=A)
        with app_serving(both.url):
            at = _logged_in(store, "copil-deux").run()
            assert not at.exception, at.exception
            selector = at.selectbox(key=SELECTOR_KEY)
            assert selector.label == "Convention" and selector.options == [
                "CABBALR",
                "CCRA (fictive)",
            ]
            assert selector.value == A and "Convention fictive" not in _text(at)
            assert "A8 ·" in _text(at)  # CABBALR's eight ambitions

            selector.set_value(B).run()
            assert not at.exception, at.exception
            assert at.session_state[ACTOR_KEY].convention == B
            text = _text(at)
            assert "Convention fictive de démonstration" in text and "A8 ·" not in text
            assert "Fictif / démonstration" in text  # B's ambitions, labelled

            at.switch_page("pages/communes.py")
            at.run()  # the choice holds on the next page
            assert not at.exception, at.exception
            assert at.selectbox(key=SELECTOR_KEY).value == B
            assert "Audruicq" in " ".join(str(o) for s in at.selectbox for o in s.options)

            at.selectbox(key=SELECTOR_KEY).set_value(A).run()
            assert at.session_state[ACTOR_KEY].convention == A and "Convention fictive" not in _text(at)

            one = _logged_in(store, "copil-un").run()
            assert not one.exception, one.exception
            assert not [s for s in one.selectbox if s.label == "Convention"]  # one convention: no selector


@pytest.mark.parametrize(
    "path",
    sorted(
        {
            "pages/vue_ensemble.py",
            "pages/ambition.py",
            "pages/communes.py",
            "pages/completude.py",
            "pages/coherence.py",
            "pages/referentiel.py",
            "pages/gouvernance.py",
            "pages/donnees.py",
            "pages/bilan.py",
            "pages/depot.py",
            "pages/commentaires.py",
            "pages/cibles.py",
            "pages/engagements.py",
            "pages/secteurs.py",
            "pages/utilisateurs.py",
            "pages/audit.py",
        }
    ),
)
def test_every_page_renders_the_fictitious_convention_flagged(both, path):
    with Store(both.url.removeprefix("duckdb:///")) as store:
        if get_user(store, "chef-b") is None:
            create_user(store, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)
        with app_serving(both.url):
            at = _logged_in(store, "chef-b")
            at.switch_page(path)
            at.run()
            assert not at.exception, at.exception
            assert at.session_state[ACTOR_KEY].convention == B
            text = _text(at)
            assert "Convention fictive de démonstration" in text
            assert "Béthune" not in text and "CABBALR" not in text


def test_demonstration_data_of_one_convention_leave_the_other_alone(two, ref, demo_ref):
    install_demo(two, ref, accounts=False)
    report = install_demo(two, demo_ref)  # the demonstration accounts come with it
    assert report.observations > 0 and not report.already
    values_b = current_values(two, demo_ref)
    assert set(values_b["territoire"]) <= _codes(demo_ref)
    assert values_b[values_b["indicateur"] != "POP_MUNICIPALE"]["is_demo"].all()
    # The demonstration accounts' administrator and reader open both conventions; the chargé, A.
    assert get_user(two, "demo-admin").conventions == (A, B)
    assert get_user(two, "demo-copil").conventions == (A, B)
    assert get_user(two, "demo-charge").conventions == (A,)
    before_a = len(current_values(two, ref))
    from services.demo import remove_demo

    remove_demo(two, demo_ref)
    assert not current_values(two, demo_ref)["is_demo"].any()
    assert len(current_values(two, ref)) == before_a and current_values(two, ref)["is_demo"].any()


def test_an_account_without_rights_on_any_convention_cannot_log_in(two):
    from services.accounts import AuthenticationError, authenticate

    create_user(two, SYSTEM, "chef", "administrateur", password=PW, convention=A)
    create_user(two, SYSTEM, "passager", "lecteur", password=PW, convention=B)
    create_user(two, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)
    assert authenticate(two, "passager", PW).convention == B  # its one convention, not the default
    remove_rights(two, actor_for(two, "chef-b", B), "passager")
    with pytest.raises(AuthenticationError, match="n'a de droits sur aucune convention"):
        authenticate(two, "passager", PW)


def test_the_demo_line_names_the_convention_shown(two, demo_ref):
    """An administrator of the fictitious convention is told the command that removes its
    demonstration data (the command line's default is the other convention)."""
    install_demo(two, demo_ref, accounts=False)
    create_user(two, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)
    with app_serving(two.url):
        at = _logged_in(two, "chef-b").run()
        assert not at.exception, at.exception
        assert f"cli.py demo --remove --convention {B}" in _text(at)


def test_an_administrator_lists_the_accounts_of_its_conventions_only(two):
    """An administrator of B does not see who works on A: its list holds B's accounts and those
    without rights; it gives an account of A rights on B by its exact login, in the page."""
    create_user(two, SYSTEM, "marie", "charge", ["62119"], password=PW, convention=A)
    create_user(two, SYSTEM, "copil", "lecteur", password=PW, convention=A)
    update_user(two, SYSTEM, "copil", role="lecteur", convention=B)
    create_user(two, SYSTEM, "chef-b", "administrateur", password=PW, convention=B)
    create_user(two, SYSTEM, "chef-a", "administrateur", password=PW, convention=A)
    create_user(two, SYSTEM, "nouveau", "lecteur", password=PW, convention=B)
    remove_rights(two, SYSTEM, "nouveau", convention=B)  # an account without rights anywhere
    chef_b, chef_a = actor_for(two, "chef-b", B), actor_for(two, "chef-a", A)

    def shown(actor, convention):
        return sorted(users_overview(two, None, convention, actor)["Identifiant"])

    assert shown(chef_b, B) == ["chef-b", "copil", "nouveau"]
    assert shown(chef_a, A) == ["chef-a", "copil", "marie", "nouveau"]
    assert len(shown(None, B)) == 5  # the command line, the operator's: every account

    with app_serving(two.url):
        at = _logged_in(two, "chef-b")
        at.switch_page("pages/utilisateurs.py")
        at.run()
        assert not at.exception, at.exception
        assert sorted(at.table[0].value["Identifiant"]) == ["chef-b", "copil", "nouveau"]
        assert "marie" not in at.selectbox(key="users_edit_login").options
        at.text_input(key="users_other_login").input("marie")
        at.selectbox(key="users_other_role").set_value("lecteur")
        next(b for b in at.button if b.label == "Donner ces droits").click().run()
        assert not at.exception, at.exception
        assert any("« marie » a désormais le rôle lecteur (COPIL)" in s.value for s in at.success)
        assert "marie" in at.table[0].value["Identifiant"].tolist()
        at.text_input(key="users_other_login").input("personne")
        next(b for b in at.button if b.label == "Donner ces droits").click().run()
        assert [e.value for e in at.error] == ["Compte « personne » inconnu."]
    assert actor_for(two, "marie", B).role == "lecteur" and actor_for(two, "marie", A).role == "charge"
