"""The two fuzz runs (Hypothesis over every form, schemathesis over the OpenAPI document) are part
of `make test`, which CI runs on SQLite and PostgreSQL: their tools are in the test extras,
`make test` runs plain pytest over `tests/`, and nothing marks the runs to be skipped."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ_TESTS = {
    "tests/web/test_form_fuzz.py": "test_fuzzed_forms_give_no_server_error_and_no_unescaped_reflection",
    "tests/web/test_api_openapi.py": "test_no_server_error_and_every_response_matches_the_document",
}


def test_the_fuzzers_are_installed_and_run_by_make_test():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    extras = " ".join(project["project"]["optional-dependencies"]["test"])
    assert "schemathesis" in extras and "hypothesis" in extras
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    test_target = re.search(r"^test:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.M).group(1)
    assert "-m pytest $(PYTEST_ARGS)\n" in test_target and "--deselect" not in test_target and " -k " not in test_target
    assert "make test" in (REPO / ".ci" / "run").read_text()
    for path, name in FUZZ_TESTS.items():
        source = (REPO / path).read_text()
        assert f"def {name}(" in source
        assert not re.search(r"pytest\.mark\.(skip|skipif|xfail)|importorskip|pytestmark", source), path
