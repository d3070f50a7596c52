"""Tables of the store (SQLAlchemy Core). Every convention-specific row carries `convention`.

Observations are append-only: a value is never updated nor deleted (except demonstration
data, removed with its batch); the current value of (indicator, territory, period) is the
latest row whose batch is still valid.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

batch_seq = sa.Sequence("batch_id_seq")
observation_seq = sa.Sequence("observation_id_seq")
audit_seq = sa.Sequence("audit_id_seq")
comment_seq = sa.Sequence("comment_id_seq")
meeting_seq = sa.Sequence("meeting_id_seq")
target_seq = sa.Sequence("target_id_seq")


def _conv() -> sa.Column:
    return sa.Column("convention", sa.String, nullable=False)


schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

conventions = sa.Table(
    "conventions",
    metadata,
    sa.Column("code", sa.String, primary_key=True),
    sa.Column("nom", sa.String, nullable=False),
    sa.Column("debut", sa.Date, nullable=False),
    sa.Column("fin", sa.Date, nullable=False),
    sa.Column("epci", sa.String, nullable=False),
    sa.Column("signataires", sa.String, nullable=False),  # JSON list
    sa.Column("section", sa.String, nullable=False),
    sa.Column("reference_digest", sa.String),
    sa.Column("loaded_at", sa.DateTime),
    # A convention shipped for tests and demonstration, fictitious (migration 9).
    sa.Column("demonstration", sa.Boolean),
)

enjeux = sa.Table(
    "enjeux",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("titre", sa.String, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("convention", "code"),
)

ambitions = sa.Table(
    "ambitions",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("enjeu", sa.String, nullable=False),
    sa.Column("titre", sa.String, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("convention", "code"),
)

fiches = sa.Table(
    "fiches",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("ambition", sa.String),
    sa.Column("titre", sa.String, nullable=False),
    sa.Column("contenu", sa.String, nullable=False),  # JSON: diagnostic, objectifs...
    sa.Column("section", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("convention", "code"),
)

indicateurs = sa.Table(
    "indicateurs",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("libelle", sa.String, nullable=False),
    sa.Column("fiche", sa.String, nullable=False),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("unite", sa.String, nullable=False),
    sa.Column("niveaux", sa.String, nullable=False),
    sa.Column("periodicite", sa.String, nullable=False),
    sa.Column("agregation_temps", sa.String, nullable=False),
    sa.Column("agregation_territoire", sa.String, nullable=False),
    sa.Column("numerateur", sa.String),
    sa.Column("denominateur", sa.String),
    sa.Column("facteur", sa.Double),
    sa.Column("sens", sa.String, nullable=False),
    sa.Column("min", sa.Double),
    sa.Column("max", sa.Double),
    sa.Column("entier", sa.Boolean, nullable=False),
    sa.Column("source_donnee", sa.String, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.Column("note", sa.String),
    sa.PrimaryKeyConstraint("convention", "code"),
)

territoires = sa.Table(
    "territoires",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("nom", sa.String, nullable=False),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("convention", "code"),
)

appartenances = sa.Table(
    "appartenances",
    metadata,
    _conv(),
    sa.Column("groupe", sa.String, nullable=False),
    sa.Column("commune", sa.String, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("convention", "groupe", "commune"),
)

calendrier = sa.Table(
    "calendrier",
    metadata,
    _conv(),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("instance", sa.String, nullable=False),
    sa.Column("libelle", sa.String, nullable=False),
    sa.Column("date_debut", sa.Date),
    sa.Column("date_fin", sa.Date),
    sa.Column("minimum_par_an", sa.Integer),
    sa.Column("section", sa.String, nullable=False),
    sa.Column("note", sa.String),
    sa.PrimaryKeyConstraint("convention", "code"),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, batch_seq, server_default=batch_seq.next_value(), primary_key=True),
    _conv(),
    sa.Column("kind", sa.String, nullable=False),  # reference | depot | demo | annulation | saisie
    sa.Column("author", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("filename", sa.String),
    sa.Column("sha256", sa.String),
    sa.Column("n_rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_new", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_changed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String, nullable=False),  # valide | annule | remplace
    sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reverts_batch", sa.Integer),
    sa.Column("status_changed_at", sa.DateTime),
    sa.Column("status_changed_by", sa.String),
    sa.Column("note", sa.String),
    sa.Column("canal", sa.String),  # page | cli (migration 4, db/channel.py)
    sa.Column("utilisateur_systeme", sa.String),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column(
        "id", sa.BigInteger, observation_seq, server_default=observation_seq.next_value(), primary_key=True
    ),
    _conv(),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("indicateur", sa.String, nullable=False),
    sa.Column("territoire", sa.String, nullable=False),
    sa.Column("periode", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("trimestre", sa.Integer),
    sa.Column("valeur", sa.Double),
    sa.Column("valeur_texte", sa.String),
    sa.Column("commentaire", sa.String),
    sa.Column("source_section", sa.String),
    sa.Column("conflit", sa.String),
    sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # A value the convention contradicts: True for the one retained (its reason in
    # `arbitrage`, from seed/), False for the one set aside (never current), NULL otherwise.
    sa.Column("retenue", sa.Boolean),
    sa.Column("arbitrage", sa.String),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.BigInteger, audit_seq, server_default=audit_seq.next_value(), primary_key=True),
    _conv(),
    sa.Column("happened_at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("objet", sa.String, nullable=False),
    sa.Column("avant", sa.String),
    sa.Column("apres", sa.String),
    sa.Column("canal", sa.String),  # page | cli (migration 4, db/channel.py)
    sa.Column("utilisateur_systeme", sa.String),  # the system user behind the command line
)

utilisateurs = sa.Table(
    "utilisateurs",
    metadata,
    sa.Column("login", sa.String, primary_key=True),
    sa.Column("nom", sa.String),
    # The rights on the convention the account was created for; unread since migration 9: an
    # account's rights are per convention, in `droits`.
    sa.Column("role", sa.String, nullable=False),  # lecteur | charge | administrateur
    sa.Column("territoires", sa.String, nullable=False, server_default=""),  # codes, comma-separated
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime),  # unused since migration 4 (see echecs_connexion)
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Bumped by a password change, a reset, a role or territory change, a disabling: every
    # open session of the account carries the version it logged in with and ends when it differs.
    sa.Column("session_version", sa.Integer, nullable=False, server_default="0"),
)

# What an account may do in each convention (migration 9): its role there and, for a chargé,
# the territories of that convention it writes for. No row: the account cannot open it.
droits = sa.Table(
    "droits",
    metadata,
    sa.Column("login", sa.String, nullable=False),
    _conv(),
    sa.Column("role", sa.String, nullable=False),  # lecteur | charge | administrateur
    sa.Column("territoires", sa.String, nullable=False, server_default=""),  # codes, comma-separated
    sa.PrimaryKeyConstraint("login", "convention"),
)

# Failed logins, for throttling: keyed by digests (never the text typed), purged after a day.
echecs_connexion = sa.Table(
    "echecs_connexion",
    metadata,
    sa.Column("cle_identifiant", sa.String, nullable=False),
    sa.Column("cle_adresse", sa.String, nullable=False),
    sa.Column("happened_at", sa.DateTime, nullable=False),
)

# The one-time code printed by `cli.py init` while no administrator exists (its digest only).
code_installation = sa.Table(
    "code_installation",
    metadata,
    sa.Column("digest", sa.String, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

# Logins that outlive a page: one row per browser session (services/sessions.py). The
# browser holds a random token in an HttpOnly cookie; only its sha256 digest is stored. A row
# starts with a one-time ticket (its digest, valid a minute) that the browser exchanges for
# the cookie; it ends when revoked (logout, account change) or after `expires_at`, pushed
# back at every page run by the inactivity timeout. `session_version` is the account's at login.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String, primary_key=True),  # random, kept by the server only
    sa.Column("login", sa.String, nullable=False),
    sa.Column("token_digest", sa.String),  # NULL until the ticket is exchanged
    sa.Column("ticket_digest", sa.String),  # NULL once exchanged
    sa.Column("ticket_expires_at", sa.DateTime),
    sa.Column("session_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("end_reason", sa.String),  # logout | account_changed | account_deleted (login: pseudonym)
)

cibles = sa.Table(
    "cibles",
    metadata,
    sa.Column("id", sa.BigInteger, target_seq, server_default=target_seq.next_value(), primary_key=True),
    _conv(),
    sa.Column("indicateur", sa.String, nullable=False),
    sa.Column("territoire", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),  # 2028 or 2030
    sa.Column("valeur", sa.Double),  # NULL: target removed
    sa.Column("author", sa.String, nullable=False),
    sa.Column("set_at", sa.DateTime, nullable=False),
)

commentaires = sa.Table(
    "commentaires",
    metadata,
    sa.Column("id", sa.BigInteger, comment_seq, server_default=comment_seq.next_value(), primary_key=True),
    _conv(),
    sa.Column("ambition", sa.String, nullable=False),  # A1..A8, F9
    sa.Column("revue", sa.String, nullable=False),  # e.g. annuelle-2026, mi-parcours
    sa.Column("territoire", sa.String),
    sa.Column("texte", sa.String, nullable=False),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
)

reunions = sa.Table(
    "reunions",
    metadata,
    sa.Column("id", sa.BigInteger, meeting_seq, server_default=meeting_seq.next_value(), primary_key=True),
    _conv(),
    sa.Column("instance", sa.String, nullable=False),
    sa.Column("calendrier_code", sa.String),
    sa.Column("territoire", sa.String),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("tenue", sa.Boolean, nullable=False),
    sa.Column("note", sa.String),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
)

engagements = sa.Table(
    "engagements",
    metadata,
    _conv(),
    sa.Column("commune", sa.String, nullable=False),
    sa.Column("fiche_signee", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("date_signature", sa.Date),
    sa.Column("elu_referent", sa.String),
    sa.Column("updated_by", sa.String, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.PrimaryKeyConstraint("convention", "commune"),
)


# What each area's parts add up to (db/rollups.py): kept up to date at every write of values.
agregats = sa.Table(
    "agregats",
    metadata,
    _conv(),
    sa.Column("indicateur", sa.String, nullable=False),  # a `somme` indicator, or CODE~num / CODE~den
    sa.Column("territoire", sa.String, nullable=False),  # the area: EPCI, structure or sector
    sa.Column("periode", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("trimestre", sa.Integer),
    sa.Column("valeur", sa.Double, nullable=False),
    sa.Column("n_territoires", sa.Integer, nullable=False),
)


# How many of its quarterly indicators each territory sent for each quarter (db/rollups.py):
# the counts of the completeness matrix, kept up to date at every write of values.
completude = sa.Table(
    "completude",
    metadata,
    _conv(),
    sa.Column("territoire", sa.String, nullable=False),
    sa.Column("periode", sa.String, nullable=False),  # a quarter
    sa.Column("recus", sa.Integer, nullable=False),
)
