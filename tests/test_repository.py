"""What a newcomer meets in the repository itself: the README's links and snippets, CI, the
version, what git keeps."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import mock_gateway
import pixazo_client

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def test_every_relative_link_in_the_readme_and_docs_resolves_inside_the_repository() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text("utf-8")):
            if target.startswith(("http://", "https://", "#", "mailto:")):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), f"{page.name} links outside the repo: {target}"
            assert path.exists(), f"{page.name} links to a missing file: {target}"


def test_the_docs_hold_the_gateway_pages_and_the_notes() -> None:
    pages = ROOT / "docs" / "pages"
    assert "BRIA RMBG 2.0 API Documentation" in (pages / "gen1-rmbg-page.txt").read_text("utf-8")
    assert "universal" in (pages / "gen2-page.txt").read_text("utf-8").lower()
    notes = (ROOT / "docs" / "API_NOTES.md").read_text("utf-8")
    assert "## Choices, with their assumed-check ids" in notes
    ids = re.findall(r"^\| `(assumed\.[a-z0-9.-]+)` \|", notes, re.M)
    assert len(ids) == len(set(ids)) >= 20, "each choice has one stable id"


def test_readme_snippets_use_base_instead_of_a_hard_coded_port() -> None:
    allowed = re.compile(r"^\s*(export BASE=|BASE = os\.environ|#|make serve)")
    for block in CODE_BLOCK.findall(README):
        for line in block.splitlines():
            if "127.0.0.1:8080" in line or "127.0.0.1:8443" in line:
                if "export BASE=" in line or "SINK=" in line:
                    continue
                assert allowed.match(line), f"hard-coded address in a README snippet: {line}"


def test_ci_runs_the_linters() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert re.search(r"^make lint$", ci, re.M), ".ci/run runs make lint"
    assert re.search(r"^make test$", ci, re.M)


def test_the_version_is_written_once() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    version = pyproject["project"]["version"]
    assert mock_gateway.__version__ == version
    assert pixazo_client.__version__ == version
    literal = re.compile(re.escape(f'"{version}"'))
    packages = ("mock_gateway", "client", "schemas", "contract_tests", "bench", "examples")
    sources = [p for folder in packages for p in (ROOT / folder).rglob("*.py")]
    assert not [p for p in sources if literal.search(p.read_text("utf-8"))]


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
@pytest.mark.parametrize(
    "written",
    ["fibo.png", "cut-out.png", "lighthouse.png", "fidelity-report.json", "fidelity-report.md"],
)
def test_what_the_examples_write_in_the_repository_is_ignored(written: str) -> None:
    done = subprocess.run(
        ["git", "check-ignore", "-q", written], cwd=ROOT, capture_output=True, timeout=30
    )
    assert done.returncode == 0, f"{written} would show up in git status"


def test_the_docs_pictures_are_not_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    done = subprocess.run(
        ["git", "check-ignore", "-q", "docs/images/fibo-contact-sheet.png"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 1, "the README's pictures are tracked"


def test_every_package_folder_is_in_the_distribution() -> None:
    # The packages are listed by hand (the folders are mapped to pixazo_* names), so a new
    # subpackage must be added there too, or installs lose it.
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    folder_of = {name: folder for name, folder in setuptools["package-dir"].items()}
    listed = set(setuptools["packages"])
    expected = set()
    for top in ("mock_gateway", "pixazo_client", "pixazo_schemas", "pixazo_contract"):
        base = ROOT / folder_of.get(top, top)
        for init in base.rglob("__init__.py"):
            parts = init.parent.relative_to(base).parts
            expected.add(".".join((top, *parts)))
    assert listed == expected
