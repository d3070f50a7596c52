"""Settings of the application, read once from the environment.

`CTG_DATABASE_URL` names the store (default: a DuckDB file under `data/`; or PostgreSQL).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every tunable of the application, in one place (documented in the README)."""

    model_config = SettingsConfigDict(env_prefix="CTG_", extra="ignore")

    database_url: str = Field(
        default=f"duckdb:///{ROOT / 'data' / 'ctg.duckdb'}",
        description="URL SQLAlchemy du stockage : un fichier DuckDB, ou postgresql+psycopg://… (README).",
    )
    seed_dir: Path = Field(
        default=ROOT / "seed",
        description="Dossier des données de référence : un sous-dossier par convention (ou le dossier d'une seule).",
    )
    convention: str | None = Field(
        default=None,
        description="Code de la convention par défaut (ligne de commande, première page) ; "
        "défaut : la première convention réelle de seed/.",
    )
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, description="Taille maximale d'un dépôt.")
    upload_max_rows: int = Field(default=50_000, description="Nombre maximal de lignes d'un dépôt.")
    upload_max_unpacked_bytes: int = Field(
        default=64 * 1024 * 1024,
        description="Taille maximale d'un classeur (.xlsx, .ods) une fois décompressé.",
    )
    upload_max_sheets: int = Field(default=20, description="Nombre maximal de feuilles d'un classeur déposé.")
    session_minutes: int = Field(
        default=60,
        description="Minutes d'inactivité après lesquelles une session se ferme (le cookie est alors refusé).",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Cookie de session marqué Secure : vide, selon la connexion (HTTPS, ou X-Forwarded-Proto "
            "du mandataire) ; true ou false pour l'imposer."
        ),
    )
    lockout_attempts: int = Field(
        default=5, description="Échecs de connexion d'un identifiant, depuis un même poste, avant blocage."
    )
    lockout_minutes: int = Field(
        default=15, description="Durée du blocage (et fenêtre où les échecs se comptent)."
    )
    throttle_free_attempts: int = Field(
        default=10, description="Échecs d'un même poste sans attente, avant ralentissement."
    )
    throttle_max_seconds: int = Field(
        default=300, description="Attente maximale imposée à un poste entre deux tentatives."
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Prendre l'adresse du client dans X-Forwarded-For (derrière un mandataire inverse).",
    )
    retention_months: int = Field(
        default=12,
        description="Conservation des connexions et des textes de commentaires supprimés, en mois.",
    )
    busy_timeout_seconds: float = Field(
        default=30, description="Attente maximale quand la base est occupée par un autre traitement."
    )
    cache_ttl_seconds: int = Field(default=300, description="Durée du cache des lectures dans l'application.")

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _empty_is_automatic(cls, value: object) -> object:
        """`CTG_COOKIE_SECURE=` (empty) means: decided by the connection, as when it is unset."""
        return None if isinstance(value, str) and not value.strip() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()


def upload_limits(settings: Settings | None = None):
    """The bounds of reading an uploaded file (`indicators.upload.Limits`) from the settings."""
    from indicators.upload import Limits

    settings = settings or get_settings()
    return Limits(
        max_bytes=settings.upload_max_bytes,
        max_rows=settings.upload_max_rows,
        max_unpacked_bytes=settings.upload_max_unpacked_bytes,
        max_shared_strings_bytes=settings.upload_max_unpacked_bytes // 2,
        max_sheets=settings.upload_max_sheets,
    )
