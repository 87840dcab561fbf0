"""scripts/mutation.py (make mutation) hides a survivor only for a kind of change that truly
makes no difference: its classes recognize exactly those, and nothing near them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "mutation.py"
SQLITE = "mock_gateway/stores/sqlite.py"


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("path", "old", "new", "equivalent"),
    [
        (SQLITE, 'db.execute("BEGIN")', 'db.execute("begin")', True),
        (SQLITE, '"accounts",', '"ACCOUNTS",', True),  # a table's name
        (
            SQLITE,
            'x = db.execute("SELECT * FROM jobs ORDER BY seq")',
            'x = db.execute("select * from jobs order by seq")',
            True,
        ),
        # a value in SQL, a quoted SQL string, a message, a name that is no table: they count
        (
            SQLITE,
            'q("SELECT v FROM meta WHERE name = ?", ("clock",))',
            'q("SELECT v FROM meta WHERE name = ?", ("CLOCK",))',
            False,
        ),
        (SQLITE, "q(\"UPDATE t SET state = 'done'\")", "q(\"UPDATE T SET STATE = 'DONE'\")", False),
        (SQLITE, 'raise E("cannot commit the state")', 'raise E("CANNOT COMMIT THE STATE")', False),
        (SQLITE, '"opened",', '"OPENED",', False),
        ("mock_gateway/service.py", 'db.execute("BEGIN")', 'db.execute("begin")', False),
        (SQLITE, 'db.execute("BEGIN")', 'db.execute("XXBEGINXX")', False),
        (SQLITE, 'db.execute("BEGIN", a)', 'db.execute("begin", b)', False),  # more than case
    ],
)
def test_sql_case_is_only_sql_text_in_the_sqlite_store(
    mutation: ModuleType, path: str, old: str, new: str, equivalent: bool
) -> None:
    assert mutation.CLASSES["sql-case"](path, old, new) is equivalent


@pytest.mark.parametrize(
    ("old", "new", "equivalent"),
    [
        ('key.encode("utf-8", "surrogatepass")', 'key.encode("UTF-8", "surrogatepass")', True),
        ('raw.decode("utf-8", "replace")', 'raw.decode("UTF-8", "replace")', True),
        ('p.read_text(encoding="utf-8")', 'p.read_text(encoding="UTF-8")', True),
        ('if charset == "utf-8":', 'if charset == "UTF-8":', False),  # compared, not a codec
        ('{"charset": "utf-8"}', '{"charset": "UTF-8"}', False),
        ('raw.decode("utf-8", "replace")', 'raw.decode("utf-8", "REPLACE")', False),
    ],
)
def test_codec_case_is_only_a_codec_argument(
    mutation: ModuleType, old: str, new: str, equivalent: bool
) -> None:
    assert mutation.CLASSES["codec-case"]("client/errors.py", old, new) is equivalent


def test_check_before_any_run_says_to_run_make_mutation_first(
    mutation: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(mutation, "STAGE", tmp_path)  # no mutants/ there: nothing to check against
    assert mutation.check("mock_gateway.core.clock.x_anything__mutmut_1", ["tests/core"]) == 2
    assert "no mutation run yet: run `make mutation` first" in capsys.readouterr().err
