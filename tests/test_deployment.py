"""How the dashboard is served and documented (issue 11): this machine only, a reverse proxy
with TLS for others, the personal data it keeps."""

from __future__ import annotations

import re
import tomllib

from services.settings import Settings
from tests.conftest import ROOT


def test_make_run_serves_on_localhost_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--server.address $(ADDRESS)" in run
    assert re.search(r"^ADDRESS \?= 127\.0\.0\.1$", makefile, re.M)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"  # never a traceback in front of a user


def test_readme_explains_a_reverse_proxy_with_tls():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Mettre en service pour d'autres postes", 1)[1].split("\n## ", 1)[0]
    assert "TLS" in section and "proxy_pass http://127.0.0.1:8501" in section
    assert "CTG_TRUST_FORWARDED_FOR" in section


def test_personal_data_are_documented():
    text = (ROOT / "docs" / "donnees-personnelles.md").read_text(encoding="utf-8")
    for words in ("CTG_RETENTION_MONTHS", "12 mois", "cli.py purger", "users delete", "pseudonyme"):
        assert words in text, words
    assert Settings().retention_months == 12
