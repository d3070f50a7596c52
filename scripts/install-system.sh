#!/usr/bin/env bash
# Debian packages the product needs: a browser for image/PDF export and end-to-end tests,
# fonts, PDF tools, LibreOffice Calc for the tests' French-locale CSV files, and PostgreSQL (the
# tests start their own throwaway server: tests/pg.py).
set -euo pipefail
PACKAGES="chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils libreoffice-calc-nogui postgresql nginx-light"
missing=""
for p in $PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -z "$missing" ]; then
  exit 0
fi
echo "Installation des paquets Debian :$missing"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
