"""The top-level folders install as one namespace, and a built wheel carries all of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUBPACKAGES = ["ingest", "ingest/formats", "index", "app", "prompts", "eval", "tests"]


@pytest.mark.slow
def test_wheel_contains_every_subpackage_and_data_file(tmp_path):
    build_dir = REPO / "build"
    had_build_dir = build_dir.exists()
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
             "--quiet", "-w", str(tmp_path)],
            check=True, capture_output=True,
        )
    finally:
        if not had_build_dir:  # setuptools builds in the source tree; leave it as it was
            shutil.rmtree(build_dir, ignore_errors=True)
    wheel = next(tmp_path.glob("scrutiny-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in SUBPACKAGES:
        assert f"scrutiny/{package}/__init__.py" in names, package
    assert "scrutiny/eval/known_answers.jsonl" in names
    assert "scrutiny/eval/thresholds.toml" in names
    assert any(name.startswith("scrutiny/prompts/") and name.endswith(".txt") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "scrutiny = scrutiny.app.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_help_is_fast_because_heavy_imports_are_lazy():
    code = "import sys, scrutiny.app.cli; print(any(m in sys.modules for m in ('torch', 'gradio', 'faiss', 'sentence_transformers')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
