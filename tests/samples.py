"""Where the shared development set of claim media lives (beside the repository), if present."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SAMPLES_DIR = Path(os.environ.get("INAAM_SAMPLES_DIR", Path(__file__).resolve().parents[2] / "shared" / "samples"))


def sample(name: str) -> bytes:
    path = SAMPLES_DIR / name
    if not path.exists():
        pytest.skip(f"development samples not found at {SAMPLES_DIR}")
    return path.read_bytes()


def truth(name: str) -> dict:
    path = SAMPLES_DIR / "truth.jsonl"
    if not path.exists():
        pytest.skip(f"development samples not found at {SAMPLES_DIR}")
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row["filename"] == name:
            return row
    raise KeyError(name)
