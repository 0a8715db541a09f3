"""DESIGN.md "Traceability": `kehu trace` lists each requirement with the tests naming it and the unproven ones."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def trace_output():
    result = subprocess.run([sys.executable, "-m", "kehu", "trace"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.req("PLAT-4")
def test_trace_lists_tests_per_requirement(trace_output):
    block = re.search(r"^ORG-3\s+(\d+) test\(s\).*?\n((?:\s{11}\S.*\n)+)", trace_output, re.M)
    assert block and int(block.group(1)) >= 2
    assert "tests/test_org_scope.py::test_visible_to_matrix_on_users" in block.group(2)
    assert re.search(r"^PLAT-2\s+[1-9]\d* test\(s\)", trace_output, re.M)


@pytest.mark.req("PLAT-4")
def test_trace_lists_unproven_requirements_and_a_summary(trace_output):
    unproven = trace_output.split("\nUnproven (", 1)[1]
    assert re.search(r"^\s+CHURN-1\s", unproven, re.M)
    assert not re.search(r"^\s+ORG-3\s", unproven, re.M)
    proven, total = map(int, re.search(r"^proven (\d+) of (\d+)$", trace_output, re.M).groups())
    assert 0 < proven < total and total == len(re.findall(r"^- [A-Z]+-\d+ ", (ROOT / "docs/requirements.md").read_text(encoding="utf-8"), re.M))


@pytest.mark.req("PLAT-4")
def test_plugin_reads_markers_from_tests_and_modules(tmp_path):
    (tmp_path / "t.py").write_text(
        "import pytest\npytestmark = pytest.mark.req('A-1')\n"
        "def test_one(): pass\n@pytest.mark.req('B-2')\ndef test_two(): pass\n", encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    req(id): requirement\n", encoding="utf-8")
    out = tmp_path / "map.json"
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "kehu.testing.requirements",
                             "-p", "no:django", f"--req-map={out}", "t.py"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == {"A-1": ["t.py::test_one", "t.py::test_two"],
                                                           "B-2": ["t.py::test_two"]}
