"""scripts/mutation.py (make mutation) hides a survivor only for a kind of change that truly
makes no difference: its classes recognize exactly those, and nothing near them."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

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


def test_a_new_run_keeps_only_the_catches_and_tries_every_other_mutant_again(
    mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mutmut", reason="mutmut's exit codes: the [mutation] extra")
    monkeypatch.setattr(mutation, "STAGE", tmp_path)
    meta = tmp_path / "mutants" / "mock_gateway" / "core" / "jobs.py.meta"
    meta.parent.mkdir(parents=True)
    # mutmut's exit codes: 1 killed, 36 timeout, 37 caught by type check; 0 survived,
    # 33 no tests, None not checked, -11 crashed
    codes = {"k": 1, "t": 36, "c": 37, "s": 0, "n": 33, "u": None, "x": -11}
    meta.write_text(json.dumps({"exit_code_by_key": codes, "durations_by_key": {"k": 0.5}}))
    assert mutation.reopen_undecided() == 3  # s, n, x: u had no verdict already
    data = json.loads(meta.read_text())
    assert data["exit_code_by_key"] == {"k": 1, "t": 36, "c": 37} | dict.fromkeys("snux")
    assert data["durations_by_key"] == {"k": 0.5}  # the rest of mutmut's record stays


def test_an_entry_whose_reason_quotes_code_still_names_its_lines(
    mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "equivalents.md"
    listed.write_text(
        "- `pixazo_client.validation.x__describe__mutmut_26`: "
        '`custom = s.get("x-messages", {})` → `custom = s.get("x-messages", None)`: '
        "with no `x-messages`, None fails the next line's `isinstance(custom, dict)`: "
        "the same `{}` follows\n"
    )
    monkeypatch.setattr(mutation, "EQUIVALENTS", listed)
    entries, _ = mutation.equivalents()
    assert list(entries) == [
        (
            "pixazo_client.validation.x__describe",
            'custom = s.get("x-messages", {})',
            'custom = s.get("x-messages", None)',
        )
    ]


# -- the order and the goes a mutant's tests run in (mutmut_cli) ----------------------------

OWN = "tests/core/test_jobs.py::test_plain"  # jobs.py's own test file
QUICK = "tests/core/test_clock.py::test_frozen"
SLOWER = "tests/core/test_clock.py::test_backwards"
SLOW_FILE = "tests/http/test_front_door.py::test_bodies"
UNTIMED = "tests/http/test_media.py::test_new"
MUTANT = "mock_gateway.core.jobs.xǁJobǁto_status__mutmut_1"


def test_a_mutants_tests_run_its_own_file_first_then_quickest_file_and_test_first(
    mutation: ModuleType,
) -> None:
    """Catches: mutmut's order (a set's: arbitrary), so a mutant a quick test kills runs slow
    ones first; quickest test first across files, so a file's shared fixtures (a
    redis-server) start again at every switch; the own file not first."""
    seconds = {OWN: 0.9, QUICK: 0.01, SLOWER: 0.5, SLOW_FILE: 5.0}
    tests = [UNTIMED, SLOW_FILE, SLOWER, QUICK, OWN]
    assert mutation.test_order(MUTANT, tests, seconds) == [OWN, QUICK, SLOWER, SLOW_FILE, UNTIMED]
    assert mutation.test_order("mock_gateway.core.clock.x_now__mutmut_2", tests, seconds)[:2] == [
        QUICK,
        SLOWER,
    ]


def test_the_first_go_is_the_first_two_files_within_two_seconds_and_never_empty(
    mutation: ModuleType,
) -> None:
    """Catches a first go that takes the whole list (pytest collects every file before the
    first test), none at all (a test run of nothing: mutmut would run every test), or goes
    past two files or two seconds."""
    seconds = {OWN: 0.9, QUICK: 0.01, SLOWER: 0.5, SLOW_FILE: 5.0}
    ordered = [OWN, QUICK, SLOWER, SLOW_FILE, UNTIMED]
    assert mutation.first_go(ordered, seconds) == [OWN, QUICK, SLOWER]
    assert mutation.first_go(ordered, {**seconds, SLOWER: 1.5}) == [OWN, QUICK]
    assert mutation.first_go([SLOW_FILE, UNTIMED], seconds) == [SLOW_FILE], "one at least"
    assert mutation.first_go([OWN], seconds) == [OWN]


def test_files_named_after_the_mutated_function_come_right_after_its_modules_own(
    mutation: ModuleType,
) -> None:
    """Catches an order that leaves the file named after the function (where its killers
    mostly are: test_drain_and_close.py for Gateway.drain) among hundreds of others, one that
    matches part of a name (`plain` alone for plain_details), or a dunder matched by name."""
    drain = "tests/core/test_drain_and_close.py::test_cut"
    own = "tests/core/test_gateway.py::test_reset"
    details = "tests/core/test_plain_details_and_freeze.py::test_keys"
    plain = "tests/core/test_plain_text.py::test_quick"
    tests = [plain, details, drain, own]
    seconds = {plain: 0.01, details: 0.5, drain: 0.9, own: 2.0}
    gateway = "mock_gateway.gateway.xǁGatewayǁ"
    assert mutation.test_order(f"{gateway}drain__mutmut_3", tests, seconds)[:2] == [own, drain]
    details_first = mutation.test_order(
        "mock_gateway.core.jobs.x_plain_details__mutmut_1", tests, {}
    )
    assert details_first[0] == details
    assert mutation.test_order(f"{gateway}__init____mutmut_1", tests, seconds) == [
        own,
        plain,
        details,
        drain,
    ]


def test_after_the_first_go_the_rest_runs_in_goes_of_8_then_32_files_then_all(
    mutation: ModuleType,
) -> None:
    """Catches a rest run in one go (pytest collects hundreds of files before the first of
    them runs, for a mutant the next file kills), a go that splits a file, and a test lost
    or run twice between goes."""
    rest = [f"tests/core/test_f{n // 3}.py::test_{n}" for n in range(150)]  # 50 files of 3
    goes = mutation.later_goes(rest)
    assert [len({t.split("::")[0] for t in go}) for go in goes] == [8, 32, 10]
    assert [t for go in goes for t in go] == rest
    assert mutation.later_goes(rest[:6]) == [rest[:6]]
    assert mutation.later_goes([]) == []


def test_a_mutant_of_a_packages_own_module_is_found_in_its_init(mutation: ModuleType) -> None:
    """Catches: `--check` looking for mock_gateway/stores.py (no such file: it failed with a
    traceback) for a mutant of mock_gateway/stores/__init__.py, and the client's files not
    found under client/."""
    assert mutation.mutmut_path_of("mock_gateway.stores.x_open_store__mutmut_1") == (
        "mock_gateway/stores/__init__.py"
    )
    assert mutation.mutmut_path_of("mock_gateway.core.jobs.xǁJobǁto_status__mutmut_1") == (
        "mock_gateway/core/jobs.py"
    )
    assert mutation.mutmut_path_of("pixazo_client.x_main__mutmut_1") == (
        "pixazo_client/__init__.py"
    )
    assert mutation.repository_path("pixazo_client/cli.py") == "client/cli.py"
    assert mutation.repository_path("pixazo_client/__init__.py") == "client/__init__.py"


def test_mutants_run_a_round_of_each_functions_first_then_of_each_second(
    mutation: ModuleType,
) -> None:
    """Catches mutmut's own order kept (by the reaching tests' time: a function's mutants side
    by side, started together with no caught sibling to say which tests catch them), and a
    round that does not go cheapest first."""
    cost = {"a": 1.0, "b": 50.0, "c": 5.0}
    names = [f"mock_gateway.core.m.x_{f}__mutmut_{n}" for f in "abc" for n in (1, 2, 3, 10)]
    key = mutation.spread_order(lambda name: cost[name.split(".x_")[1][0]])
    ordered = [name.split(".x_")[1] for name in sorted(names, key=key)]
    assert ordered == [
        *("a__mutmut_1", "c__mutmut_1", "b__mutmut_1"),
        *("a__mutmut_2", "c__mutmut_2", "b__mutmut_2"),
        *("a__mutmut_3", "c__mutmut_3", "b__mutmut_3"),
        *("a__mutmut_10", "c__mutmut_10", "b__mutmut_10"),
    ]


def test_a_run_again_of_mutants_that_passed_mypy_skips_it(
    mutation: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches the run again of a crashed worker's mutants (`typed=False`) checking every
    mutant with mypy again (a minute or two, for mutants that passed it already), or the
    first run skipping mypy (mutants it refuses would then run their tests)."""
    ran: list[dict[str, str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> Any:
        ran.append(kwargs["env"])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(mutation.subprocess, "run", fake_run)
    mutation.run([], 4, False)
    mutation.run(["m__mutmut_1"], 4, False, typed=False)
    assert [env[mutation.UNTYPED] for env in ran] == ["0", "1"]
    monkeypatch.setenv(mutation.UNTYPED, "1")
    assert mutation.type_check() == 0
    assert len(ran) == 2, "no mypy run"


SLEEPER = """
import time

def test_quick():
    pass

def test_hangs():
    time.sleep(60)
"""

RUN_WITH_HANG_STOP = """
import importlib.util, sys, pytest
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
m = importlib.util.module_from_spec(spec); sys.modules["m"] = m; spec.loader.exec_module(m)
seconds = {"test_sleeper.py::test_quick": 0.0, "test_sleeper.py::test_hangs": 0.0}
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[2]], plugins=[m.hang_stop(seconds)]))
"""


def test_a_test_that_hangs_in_a_mutants_run_ends_it_as_a_timeout_soon(tmp_path: Path) -> None:
    """Catches: a hanging mutant waiting out mutmut's own limit for all its tests together
    (minutes), or counted as killed or survived rather than as a timeout (36)."""
    (tmp_path / "test_sleeper.py").write_text(SLEEPER)
    start = time.monotonic()
    ran = subprocess.run(
        [sys.executable, "-c", RUN_WITH_HANG_STOP, str(SCRIPT), "test_sleeper.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - start
    assert ran.returncode == 36, ran.stdout + ran.stderr
    assert 5 <= took < 40, "5 s of slack and 10 times its usual 0 s, not the 60 s sleep"


def test_tests_that_caught_a_functions_mutants_go_first_for_its_next_mutants(
    mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches: a killer noted under another function's name (or the mutant's own, so no
    other mutant finds it), killers out of order (the latest first), a killer that is not
    among the mutant's tests run anyway, or a first go past the killers."""
    monkeypatch.setattr(mutation, "STAGE", tmp_path)
    sibling = MUTANT.replace("__mutmut_1", "__mutmut_7")
    other = "mock_gateway.core.jobs.xǁJobǁother__mutmut_1"
    assert mutation.known_killers(sibling, [OWN, QUICK]) == []
    plugin = mutation.note_killer(MUTANT)
    for nodeid, failed in ((QUICK, True), (SLOWER, False), (OWN, True), (UNTIMED, True)):
        plugin.pytest_runtest_logreport(type("Report", (), {"nodeid": nodeid, "failed": failed}))
    assert mutation.known_killers(sibling, [QUICK, SLOWER, OWN, SLOW_FILE]) == [OWN, QUICK]
    assert mutation.known_killers(other, [QUICK, OWN]) == []
    ordered = [OWN, QUICK, SLOWER, SLOW_FILE]
    assert mutation.first_go(ordered, {}, killers=2) == [OWN, QUICK]
    many = [f"tests/core/test_jobs.py::test_{n}" for n in range(8)]
    assert len(mutation.first_go(many, {}, killers=8)) == mutation.KILLERS_FIRST


def test_a_listed_equivalent_is_known_by_its_function_and_lines_before_it_runs(
    mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a run that skips a mutant of a listed function whose change is another (a gap
    hidden without a run), one that matches entries by mutant number rather than by lines (a
    renumbered equivalent runs, or the wrong one is skipped), a class applied outside its
    files, and a listed equivalent run anyway (the costliest mutants: all their tests run)."""
    listing = tmp_path / "equivalents.md"
    listing.write_text(
        "- `m.core.jobs.x_f__mutmut_3`: `a = 1` → `a = 2`: no reader of a\n"
        "- class `sql-case`: SQLite reads keywords in any case\n",
        "utf-8",
    )
    monkeypatch.setattr(mutation, "EQUIVALENTS", listing)
    begin = ('db.execute("BEGIN")', 'db.execute("begin")')
    lines = {
        "m.core.jobs.x_f__mutmut_9": ("a = 1", "a = 2"),  # renumbered: the listed change
        "m.core.jobs.x_f__mutmut_4": ("a = 1", "a = 3"),
        "m.core.jobs.x_g__mutmut_3": ("a = 1", "a = 2"),  # the same change in another function
        "mock_gateway.stores.sqlite.xǁSqliteStoreǁclear__mutmut_1": begin,
        "mock_gateway.stores.memory.xǁMemoryStoreǁclear__mutmut_1": begin,
    }
    asked: list[tuple[str, str]] = []

    def changed_lines(name: str, mutmut_path: str) -> tuple[str, str]:
        asked.append((name, mutmut_path))
        return lines[name]

    monkeypatch.setattr(mutation, "changed_lines", changed_lines)
    equivalent = mutation.listed_equivalent()
    assert [equivalent(name) for name in lines] == [True, False, False, True, False]
    assert asked[0] == ("m.core.jobs.x_f__mutmut_9", "m/core/jobs.py")
    assert asked[3][1] == "mock_gateway/stores/sqlite.py"
