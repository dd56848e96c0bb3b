#!/usr/bin/env bash
# Installs what Inaam needs on a fresh Debian/Ubuntu machine: system packages (where root allows)
# and the Python virtualenv. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="tesseract-ocr tesseract-ocr-eng tesseract-ocr-hin tesseract-ocr-urd poppler-utils chromium chromium-driver
  fonts-dejavu-core fonts-liberation fonts-noto-core fonts-freefont-ttf fonts-urw-base35 fonts-roboto
  fonts-comic-neue fonts-dancingscript fonts-lohit-deva libraqm0"
missing=""
for pkg in $APT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing system packages:$missing"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "Missing system packages:$missing — install them with: sudo apt-get install$missing" >&2
    echo "(the bot runs without them, but invoice OCR needs tesseract)" >&2
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
