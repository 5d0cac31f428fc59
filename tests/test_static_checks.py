"""Static checks as part of the suite, so `make test` and CI run them: ruff (bugs, not
style) and bandit (no unjustified medium or high finding). A `# nosec` needs its reason
on the same line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=240)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", "scheduler", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_bandit_finds_no_medium_or_high_issue():
    result = _run("bandit", "-q", "-r", "scheduler", "-ll")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_nosec_says_why():
    bare = [
        f"{path.relative_to(REPO)}:{n}"
        for path in (REPO / "scheduler").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"#\s*nosec\b(?:\s+B\d+)?\s*$", line)
    ]
    assert bare == [], "a # nosec without a reason after it"


def test_the_import_contracts_hold():
    """The layers of docs/ARCHITECTURE.md, as import-linter contracts in pyproject.toml."""
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=REPO,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_clinical_core_loads_neither_flask_nor_sqlalchemy():
    probe = "import sys, scheduler.clinical; print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy'}))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_every_benchmark_still_imports():
    """The benchmarks are not run by the suite, so a name they import can vanish unnoticed
    (bench/import_patients.py broke that way when a test-only switch left scheduler/)."""
    modules = sorted(f"bench.{path.stem}" for path in (REPO / "bench").glob("*.py") if path.stem != "__init__")
    result = subprocess.run([sys.executable, "-c", "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)",
                             *modules], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert modules and result.returncode == 0, result.stderr
