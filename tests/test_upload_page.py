"""AppTest of the page « Dépôt trimestriel »: upload, report, preview, confirm, history, revert."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.observations import list_batches
from tests import upload_helpers
from tests.auth_helpers import login_as
from tests.conftest import app_serving
from tests.upload_helpers import CORPUS, UPLOAD_SEED, table_counts

upload_ref, upload_store = upload_helpers.upload_ref, upload_helpers.upload_store  # fixtures
_upload_template = upload_helpers._upload_template
ROOT = CORPUS.parent.parent.parent


@pytest.fixture
def app_store(upload_store, monkeypatch):
    """The corpus store as the app's database."""
    with app_serving(upload_store.url, UPLOAD_SEED):
        yield upload_store


def _page(role: str = "administrateur", territoires=()) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login_as(at, role, territoires)
    at.run()
    at.switch_page(str(ROOT / "pages" / "depot.py")).run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str) -> AppTest:
    mime = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    at.file_uploader(key="depot_fichier_0").set_value((name, (CORPUS / name).read_bytes(), mime)).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(
        str(e.value) for e in (*at.markdown, *at.caption, *at.warning, *at.info, *at.error, *at.success)
    )


def test_page_renders_for_each_role(app_store):
    admin = _page()
    assert admin.title[0].value == "Dépôt trimestriel"
    assert [h.value for h in admin.header] == [
        "1. Télécharger le modèle",
        "2. Déposer le fichier",
        "Historique des dépôts",
    ]
    assert admin.multiselect(key="depot_territoires").value == ["200072460"]
    assert "nan" not in _texts(admin).split() and "None" not in _texts(admin).split()
    charge = _page("charge", ["62178", "62119"])
    assert charge.multiselect(key="depot_territoires").options == [
        "Béthune (62119)",
        "Bruay-la-Buissière (62178)",
    ]
    reader = _page("lecteur")
    assert any("lecture seule" in i.value for i in reader.info)
    assert not reader.get("file_uploader")


def test_upload_preview_then_confirm_writes_once(app_store):
    at = _upload(_page(), "good_libreoffice_fr.csv")
    assert [m.value for m in at.metric][:5] == ["6", "6", "0", "0", "0"]
    assert at.subheader[0].value == "Aperçu"
    preview = next(d.value for d in (*at.table, *at.dataframe) if "nouvelle valeur" in d.value.columns)
    assert preview[["statut", "territoire", "nouvelle valeur"]].values.tolist()[:2] == [
        ["nouvelle", "62119", "1\u202f234"],
        ["nouvelle", "62178", "12,5\u202f%"],
    ]
    assert list_batches(app_store, "ctg-test")["kind"].tolist() == ["reference"]  # nothing written yet
    button = next(b for b in at.button if b.label.startswith("Valider le dépôt"))
    assert button.label == "Valider le dépôt (6 valeur(s))"
    button.click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Dépôt n°2 enregistré : 6 nouvelle(s)") for s in at.success)
    batches = list_batches(app_store, "ctg-test")
    assert batches["kind"].tolist() == ["depot", "reference"]
    assert batches["author"].tolist()[0] == "test-admin"
    # The uploader was reset: the same file again now says nothing changes, without a button.
    at.file_uploader(key="depot_fichier_1").set_value(
        ("good_libreoffice_fr.csv", (CORPUS / "good_libreoffice_fr.csv").read_bytes(), "text/csv")
    ).run()
    assert any(i.value.startswith("Aucune modification") for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Valider le dépôt")]


def test_rejected_file_shows_the_report_and_writes_nothing(app_store):
    at = _page()
    before = table_counts(app_store)  # after the login, which creates the test account
    at = _upload(at, "bad_values.csv")
    assert any(e.value.startswith("Fichier refusé : 7 erreur(s).") for e in at.error)
    report = at.table[0].value
    assert list(report.columns) == ["ligne", "colonne", "valeur lue", "gravité", "type", "message"]
    assert report["type"].tolist()[:2] == ["pas un nombre", "pas un entier"]
    assert not [b for b in at.button if b.label.startswith("Valider le dépôt")]
    assert table_counts(app_store) == before


def test_charge_out_of_scope_row_is_named(app_store):
    at = _upload(_page("charge", ["62119"]), "bad_scope_charge.csv")
    report = at.table[0].value
    assert report[["ligne", "type"]].values.tolist() == [[4, "hors périmètre"]]


def test_admin_reverts_a_batch(app_store):
    at = _upload(_page(), "good_duplicate_same.csv")
    next(b for b in at.button if b.label.startswith("Valider le dépôt")).click().run()
    at.selectbox(key="depot_annuler_lot").set_value(2)
    at.checkbox(key="depot_annuler_ok").check().run()
    next(b for b in at.button if b.label == "Annuler ce dépôt").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Dépôt n°2 annulé") for s in at.success)
    assert list_batches(app_store, "ctg-test").set_index("id").loc[2, "status"] == "annule"


def test_a_file_is_read_once_per_upload_not_at_every_rerun(app_store, monkeypatch):
    """Reruns (any click on the page) reuse the checked file, keyed by its sha256."""
    import services.uploads as uploads_module

    reads = []
    real = uploads_module.read_upload

    def counted(*args, **kwargs):
        reads.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads_module, "read_upload", counted)
    at = _upload(_page(), "good_libreoffice.ods")
    assert reads == ["good_libreoffice.ods"]
    assert "Aperçu" in [s.value for s in at.subheader]
    at.selectbox(key="depot_h_per").set_value(at.selectbox(key="depot_h_per").options[1]).run()
    at.run()
    assert not at.exception and reads == ["good_libreoffice.ods"]
    _upload(at, "good_libreoffice.tsv")  # another file: read once more
    assert reads == ["good_libreoffice.ods", "good_libreoffice.tsv"]


def test_a_hostile_file_name_is_shown_as_typed_in_the_tables(app_store):
    """The HTML tables (st.table renders Markdown) show a file name as typed: no image, no link."""
    from ui.text import plain

    name = "![x](http://evil.example/p.png)[ici](http://evil.example) <b>gras</b>.csv"
    at = _page()
    at.file_uploader(key="depot_fichier_0").set_value(
        (name, (CORPUS / "good_libreoffice_fr.csv").read_bytes(), "text/csv")
    ).run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.label.startswith("Valider le dépôt")).click().run()
    assert not at.exception, at.exception
    history = next(t.value for t in at.table if "fichier" in t.value.columns)
    assert history["fichier"].tolist()[0] == plain(name)
    shown = [str(e.value) for e in (*at.markdown, *at.caption, *at.success, *at.info)]
    assert not any("](http" in s or "<b>" in s for s in shown), shown
