"""`make mutation`: mutmut over the core, the service layer, the stores and the client, then
the kill rate per file and every survivor not on tests/mutation-equivalents.md.

    .venv/bin/python scripts/mutation.py                 # what changed since the last run
    .venv/bin/python scripts/mutation.py --fresh         # everything, from scratch
    .venv/bin/python scripts/mutation.py --report        # the last run's figures again
    .venv/bin/python scripts/mutation.py 'mock_gateway.core.scenarios*'
                                                          # re-run some mutants, keeping the rest
    .venv/bin/python scripts/mutation.py --survivors mock_gateway.core.jobs
                                                          # re-run those survivors (after a test)
    .venv/bin/python scripts/mutation.py --unchecked      # go on where a stopped run stopped
    .venv/bin/python scripts/mutation.py --check MUTANT tests/core/test_jobs.py::test_name
                                                          # a new test: passes on the original,
                                                          # fails on that mutant?

mutmut is configured in pyproject.toml ([tool.mutmut]). It runs in build/mutation, a folder of
links where the client's source carries its import name (pixazo_client -> client/): mutmut
names a mutant after its file's path, and the tests import the client by that name.

After a first run, a run keeps each caught mutant's verdict until its function changes (mutmut
compares each function's source) and tries every other mutant again, survivors included, since
the tests may have grown. `--fresh` forgets it all: after tests were removed or weakened, or
when the figures are to be reported.

A survivor is a mutant no test noticed. Either it changes no behaviour, and goes on the
equivalents list with the reason, or it is a gap and gets a test. The list matches a survivor
by its function and the line it changes, so it stays true when other mutants are renumbered.
Exit status: 0 when the targets hold (issue 18) and every survivor is on the list.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "mutation"  # pyproject.toml's type_check_command finds this script from it
EQUIVALENTS = ROOT / "tests" / "mutation-equivalents.md"
# name in build/mutation -> what it links to in the repository
LINKS = {
    "mock_gateway": "mock_gateway",
    "pixazo_client": "client",
    "tests": "tests",
    "examples": "examples",
    "schemas": "schemas",
    "bench": "bench",
    "pyproject.toml": "pyproject.toml",
}
# (group, the share of its mutants the tests must kill, where its files are)
TARGETS = [
    ("core, service and stores", 0.95, "mock_gateway/"),
    ("client", 0.90, "client/"),
]
DETECTED = {"killed", "timeout", "caught by type check"}
# statuses mutmut reports that are neither a catch nor a survivor: run those mutants again
RERUN = {"not checked", "check was interrupted by user", "suspicious", "segfault"}
# mypy --strict (pyproject.toml) as `make lint` runs it, over the mutated packages; the
# trampolines repeat each mutated line's `type: ignore` and attribute annotations
MYPY_OPTIONS = ["--output", "json", "--no-warn-unused-ignores", "--disable-error-code", "no-redef"]
MYPY_OPTIONS += ["-p", "mock_gateway", "-p", "pixazo_client"]
ENTRY = re.compile(
    r"^- `(?P<name>[\w.]+__mutmut_\d+)`: `(?P<old>.*?)` → `(?P<new>.*?)`: (?P<why>.+)$"
)


def reopen_undecided() -> int:
    """Forget the last run's verdicts other than a catch (survivors, mutants without tests or
    without a verdict): mutmut runs a mutant again only when its verdict is missing."""
    from mutmut.stats import status_by_exit_code

    reopened = 0
    for meta in (STAGE / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text("utf-8"))
        codes = data["exit_code_by_key"]
        undecided = [
            name
            for name, code in codes.items()
            if code is not None and status_by_exit_code[code] not in DETECTED
        ]
        for name in undecided:
            codes[name] = None
        if undecided:
            meta.write_text(json.dumps(data), "utf-8")
            reopened += len(undecided)
    return reopened


def stage(keep: bool) -> None:
    STAGE.mkdir(parents=True, exist_ok=True)
    for name, target in LINKS.items():
        link = STAGE / name
        if not link.is_symlink():
            link.symlink_to(ROOT / target)
    # what mypy (--type-check) needs beside the mutants: the packages installed from the tree
    names = STAGE / "import-names"
    names.mkdir(exist_ok=True)
    for name, target in {"pixazo_schemas": "schemas", "pixazo_contract": "contract_tests"}.items():
        if not (names / name).is_symlink():
            (names / name).symlink_to(ROOT / target)
    if not keep:
        shutil.rmtree(STAGE / "mutants", ignore_errors=True)


# Mutants tested at once: four times the cores, since most of a mutant's time is spent waiting
# (its tests' servers, clients and timeouts), not computing: two at a time left these cores
# idle, and the whole run here was measured at 8 (README: Mutation testing).
JOBS = 4 * (os.cpu_count() or 1)
TRY_EQUIVALENTS = "MUTATION_TRY_EQUIVALENTS"  # run() -> mutmut_cli(): --try-equivalents
UNTYPED = "MUTATION_UNTYPED"  # run() -> type_check(): no mypy this time


def run(patterns: list[str], jobs: int, try_equivalents: bool, *, typed: bool = True) -> int:
    """mutmut over the mutants `patterns` name (all: none); `typed` False skips mypy (a run
    again of mutants that passed it: their code has not changed)."""
    command = [sys.executable, __file__, "--mutmut", "run", "--max-children", str(jobs), *patterns]
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env[TRY_EQUIVALENTS] = "1" if try_equivalents else "0"
    env[UNTYPED] = "0" if typed else "1"
    return subprocess.run(command, cwd=STAGE, env=env).returncode


# A mutant's first go: the tests of its first files in test_order, up to this many seconds of
# their unmutated time; the rest only if they all pass.
FIRST_GO_FILES = 2
KILLERS_FIRST = 5
FIRST_GO_SECONDS = 2.0


def test_order(mutant: str, tests: list[str], seconds: dict[str, float]) -> list[str]:
    """The order most likely to kill a mutant soon: its module's own test files first
    (test_jobs*.py for jobs.py), then the files named after its function (test_drain_and_close.py
    for Gateway.drain), then the files whose quickest test is quickest, a file at a time (its
    shared fixtures start once), each file's tests quickest first. A test with no time on
    record goes last."""
    module = mutant.split(".x")[0].rsplit(".", 1)[-1]  # mock_gateway.core.jobs.xǁJobǁ... -> jobs
    function = function_of(mutant).rsplit(".", 1)[-1].split("ǁ")[-1].removeprefix("x_")
    # drain -> {drain}, _plain_details -> {plain, details}; none for a dunder (__init__)
    words = set() if function.startswith("__") else set(function.strip("_").split("_"))
    never = float("inf")
    quickest: dict[str, float] = {}
    for test in tests:
        file = test.split("::")[0]
        quickest[file] = min(quickest.get(file, never), seconds.get(test, never))

    def order(test: str) -> tuple[bool, bool, float, str, float]:
        file = test.split("::")[0]
        stem = file.rsplit("/", 1)[-1].removesuffix(".py")
        own = stem.startswith(f"test_{module}")
        named = bool(words) and words <= set(stem.split("_")[1:])
        return (not own, not named, quickest[file], file, seconds.get(test, never))

    return sorted(tests, key=order)


def killers(mutant: str) -> Path:
    """Where the tests that caught a function's mutants are noted, newest last (in mutants/,
    so --fresh starts without them): mutants of one function run one after another and mostly
    die on the same few tests, so those go first."""
    return STAGE / "mutants" / "killers" / (function_of(mutant) + ".txt")


def known_killers(mutant: str, tests: list[str]) -> list[str]:
    """The tests among `tests` that caught another mutant of this one's function, the most
    recent first."""
    try:
        noted = killers(mutant).read_text("utf-8").split()
    except FileNotFoundError:
        return []
    among = set(tests)
    return [t for t in dict.fromkeys(reversed(noted)) if t in among]


def note_killer(mutant: str) -> object:
    """A pytest plugin for one mutant's run: notes the test that fails (caught it)."""

    class NoteKiller:
        def pytest_runtest_logreport(self, report: Any) -> None:
            if report.failed:
                path = killers(mutant)
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as noted:  # one short line: atomic
                    noted.write(report.nodeid + "\n")

    return NoteKiller()


def first_go(ordered: list[str], seconds: dict[str, float], killers: int = 0) -> list[str]:
    """The head of a mutant's ordered tests worth a pytest run of their own: most mutants die
    in it, and pytest then collects two files, not the dozens the whole list spans. When
    `ordered` starts with `killers` tests that caught other mutants of the same function,
    those alone (up to KILLERS_FIRST)."""
    if killers:
        return ordered[: min(killers, KILLERS_FIRST)]
    files: set[str] = set()
    spent = 0.0
    for n, test in enumerate(ordered):
        files.add(test.split("::")[0])
        spent += seconds.get(test, FIRST_GO_SECONDS)
        if n and (len(files) > FIRST_GO_FILES or spent > FIRST_GO_SECONDS):
            return ordered[:n]
    return ordered


# After the first go, the rest in goes of more and more files: a mutant that the first go
# missed mostly dies in the next few files, and pytest collects every file of a go before its
# first test runs (seconds, for the hundreds of files a widely called function is reached from).
LATER_GO_FILES = (8, 32)


def later_goes(rest: list[str]) -> list[list[str]]:
    """`rest` (the tests after the first go, in order) cut into goes of the first
    LATER_GO_FILES files each, then everything left."""
    goes: list[list[str]] = []
    files: set[str] = set()
    limits = iter(LATER_GO_FILES)
    limit = next(limits, None)
    start = 0
    for n, test in enumerate(rest):
        file = test.split("::")[0]
        if file not in files and limit is not None and len(files) == limit:
            goes.append(rest[start:n])
            start, files = n, set()
            limit = next(limits, None)
        files.add(file)
    if start < len(rest):
        goes.append(rest[start:])
    return goes


# A test that runs far past its unmutated time is a mutant that hangs or spins: the mutant's
# run stops at once as a timeout (mutmut's exit code 36: caught), not after mutmut's own
# limit for all its tests together. Never under 5 s: on a busy machine a slow test is no hang.
HANG_SLACK_SECONDS = 5.0
HANG_FACTOR = 10.0
TIMEOUT_EXIT = 36
SKIPPED_EXIT = 34  # mutmut's "skipped": here, a mutant on the equivalents list, not run


def hang_stop(seconds: dict[str, float]) -> object:
    """A pytest plugin for one mutant's run: each test (set-up and tear-down included) gets
    HANG_SLACK_SECONDS plus HANG_FACTOR times its unmutated time in `seconds` (3 s when it has
    none)."""
    import pytest  # in a mutant's run, where pytest is loaded already

    def hung(signum: int, frame: object) -> None:
        os._exit(TIMEOUT_EXIT)  # a forked worker of mutmut's: nothing to tidy up

    class HangStop:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
            limit = HANG_SLACK_SECONDS + HANG_FACTOR * seconds.get(item.nodeid, 3.0)
            previous = signal.signal(signal.SIGALRM, hung)
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)

    return HangStop()


def spread_order(estimate: Callable[[str], float]) -> Callable[[str], tuple[int, float]]:
    """mutmut's order for the mutants it runs: by `estimate` (the time of all the tests that
    reach the mutant), so each function's mutants run side by side, the widest-reached last,
    with no caught sibling yet to say which tests catch them. Instead: every function's first
    mutant, then every second one, and so on (cheapest first within a round): by a mutant's
    turn, the tests that caught its function's earlier mutants are known (known_killers)."""

    def key(mutant: str) -> tuple[int, float]:
        return int(mutant.rsplit("__mutmut_", 1)[1]), estimate(mutant)

    return key


def mutmut_cli(argv: list[str]) -> int:
    """mutmut's own command line, with a mutant's tests run in test_order, in goes (first_go,
    then later_goes), each test stopped by hang_stop, and the mutants in spread_order. mutmut
    passes the tests in no useful order, and every pytest run collects each file they come
    from (0.1 to 0.8 s for a widely called function) before the first test runs. And no clean
    run of every test right after a statistics run of every test passed: the same tests on
    the same code. A mutant on the equivalents list is not run (listed_equivalent): its
    verdict is mutmut's "skipped". mutmut's forked workers inherit the change."""
    import mutmut.__main__ as mutmut_main  # the [mutation] extra: only `make mutation` needs it
    from mutmut.runners.harness import PytestRunner
    from mutmut.state import state
    from mutmut.utils.file_utils import change_cwd

    whole_run = PytestRunner.run_tests
    collect_statistics = mutmut_main.run_stats_collection
    statistics_passed = False
    run_all = os.environ.get(TRY_EQUIVALENTS) == "1"
    equivalent = (lambda name: False) if run_all else listed_equivalent()

    def run_stats_collection(runner: Any, tests: Any = None) -> None:
        nonlocal statistics_passed
        collect_statistics(runner, tests)  # exits when a test fails
        statistics_passed = statistics_passed or not tests

    def run_tests(self: PytestRunner, *, mutant_name: str | None, tests: Any) -> int:
        tests = list(tests)
        clean = os.environ.get("MUTANT_UNDER_TEST") == ""  # not "fail": the forced failure
        if not mutant_name and clean and statistics_passed:
            return 0  # the clean run: the statistics run just passed every test (3 minutes)
        if not mutant_name or not tests:
            return whole_run(self, mutant_name=mutant_name, tests=tests)
        if equivalent(mutant_name):
            return SKIPPED_EXIT
        seconds = state().duration_by_test
        plugins = [hang_stop(seconds), note_killer(mutant_name)]
        known = known_killers(mutant_name, tests)
        ordered = known + test_order(mutant_name, list(set(tests) - set(known)), seconds)
        first = first_go(ordered, seconds, killers=len(known))
        with change_cwd("mutants"):
            for go in [first, *later_goes(ordered[len(first) :])]:
                code = self.execute_pytest(self._pytest_args_regular_run(go), plugins=plugins)
                if code not in (0, 5):
                    return code  # caught (or a timeout): the rest cannot change that
            return code

    mutmut_main.run_stats_collection = run_stats_collection
    mutmut_main.estimated_worst_case_time = spread_order(mutmut_main.estimated_worst_case_time)
    PytestRunner.run_tests = run_tests  # type: ignore[method-assign]
    return int(mutmut_main.cli.main(argv, prog_name="mutmut", standalone_mode=False) or 0)


def mutated_function_at(path: Path) -> Callable[[int], str | None]:
    """The mutmut function (a mutant, or the original: `..._mutmut_orig`) a line is in."""
    functions = [
        (node.lineno, node.end_lineno or node.lineno, node.name)
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name
    ]
    return lambda line: next((name for a, b, name in functions if a <= line <= b), None)


def type_check() -> int:
    """mypy --strict over the mutants (mutmut's type_check_command, run in mutants/): the
    errors each mutant brings, as mypy's JSON lines. A mutant mypy refuses never lands
    (`make lint`), so it counts as caught without running a test. Errors that are not a
    mutant's own are left out: mutmut's trampolines make some classes miss their protocols,
    in the original functions as in the mutants, and that is no mutant's doing."""
    if os.environ.get(UNTYPED) == "1":
        return 0  # no errors: the mutants run again passed mypy before
    env = os.environ | {"MYPYPATH": str(STAGE / "import-names")}
    checked = subprocess.run(
        # its cache beside mutants/, which a fresh run deletes: most modules' mutants are the
        # same as last time, and mypy over them all from nothing takes minutes
        [sys.executable, "-m", "mypy", "--cache-dir", str(STAGE / "mypy-cache"), *MYPY_OPTIONS],
        capture_output=True,
        text=True,
        env=env,
    )
    if checked.returncode not in (0, 1):  # mypy itself failed: say so, never "no errors"
        print(checked.stdout + checked.stderr)  # not JSON: mutmut stops, showing this
        return checked.returncode
    by_file: dict[str, list[dict[str, Any]]] = {}
    for line in checked.stdout.splitlines():
        if line.strip():
            error = json.loads(line)
            by_file.setdefault(error["file"], []).append(error)
    for path, errors in by_file.items():
        at = mutated_function_at(Path(path))
        in_original = {  # (function, code, message) of the original functions' errors
            (function_of(name), e["code"], e["message"])
            for e in errors
            if (name := at(e["line"])) and name.endswith("__mutmut_orig")
        }
        for e in errors:
            name = at(e["line"])
            if name is None or name.endswith("__mutmut_orig"):
                continue
            if (function_of(name), e["code"], e["message"]) not in in_original:
                print(json.dumps(e))
    return 0


def check(mutant: str, tests: list[str]) -> int:
    """Run tests against the original code and against one mutant, in the last run's mutants/
    (mutmut's trampolines pick the function by MUTANT_UNDER_TEST): the way to watch a test
    written for a survivor fail on it, without a whole run. Exit 0 when they pass on the
    original and fail on the mutant."""
    mutants = STAGE / "mutants"
    if not (mutants / "mutmut-stats.json").exists():
        print("no mutation run yet: run `make mutation` first", file=sys.stderr)
        return 2
    known = {
        name
        for meta in mutants.rglob("*.py.meta")
        for name in json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    }
    if mutant not in known:  # a misspelt name would run the original code and "survive"
        print(f"no mutant {mutant} in the last run (`make mutation MUTATION_ARGS=--report`)")
        return 2
    module = mutmut_path_of(mutant)
    source = ROOT / repository_path(module)
    if source.stat().st_mtime > (mutants / module).stat().st_mtime:
        print(
            f"note: {source.relative_to(ROOT)} changed since the last run; the mutants are "
            "of the code as it was then (`make mutation` makes them again)"
        )
    # mutmut copied the tests when it last ran: bring in the working tree's (new tests)
    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "--rootdir=.", "-p", "no:cacheprovider"]
    outcome = {}
    for label, under_test in (("the original", ""), (mutant, mutant)):
        env = os.environ | {"MUTANT_UNDER_TEST": under_test, "PY_IGNORE_IMPORTMISMATCH": "1"}
        run = subprocess.run(
            [*command, *tests], cwd=mutants, env=env, capture_output=True, text=True
        )
        outcome[label] = run.returncode
        lines = run.stdout.strip().splitlines()
        print(f"{label}: exit {run.returncode}, {lines[-1] if lines else run.stderr.strip()}")
    if outcome["the original"] != 0:
        print("the tests fail on the original code: fix them first")
        return 1
    if outcome[mutant] == 0:
        print(f"{mutant} survives these tests")
        return 1
    print(f"{mutant} is killed by these tests")
    return 0


@dataclass
class FileResult:
    path: str  # as the repository names it (client/..., not pixazo_client/...)
    statuses: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)
    to_rerun: list[str] = field(default_factory=list)

    @property
    def mutmut_path(self) -> str:  # mutmut's name for the file
        return re.sub(r"^client/", "pixazo_client/", self.path)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def detected(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in DETECTED)


def results() -> list[FileResult]:
    from mutmut.stats import status_by_exit_code  # mutmut's exit code per mutant -> status

    found = []
    for meta in sorted((STAGE / "mutants").rglob("*.py.meta")):
        mutmut_path = meta.relative_to(STAGE / "mutants").as_posix().removesuffix(".meta")
        if mutmut_path.startswith("tests/"):
            continue
        result = FileResult(repository_path(mutmut_path))
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        for name, code in codes.items():
            status = status_by_exit_code[code]
            result.statuses[status] += 1
            if status in RERUN:
                result.to_rerun.append(name)
            elif status not in DETECTED:
                result.survivors.append(name)
        found.append(result)
    return found


def changed_lines(name: str, mutmut_path: str) -> tuple[str, str]:
    """The line a mutant changes, before and after (several are joined by ' ⏎ ')."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(STAGE)
    try:
        diff = get_diff_for_mutant(name, path=Path(mutmut_path)).splitlines()
    finally:
        os.chdir(cwd)
    old = [line[1:].strip() for line in diff if line.startswith("-") and not line.startswith("---")]
    new = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
    return " ⏎ ".join(old), " ⏎ ".join(new)


def function_of(name: str) -> str:
    return name.rsplit("__mutmut_", 1)[0]


def mutmut_path_of(name: str) -> str:
    """mock_gateway.core.jobs.xǁJobǁto_status__mutmut_1 -> mock_gateway/core/jobs.py, and
    mock_gateway.stores.x_open_store__mutmut_1 -> mock_gateway/stores/__init__.py"""
    module = name.split(".x", 1)[0].replace(".", "/")
    package = (ROOT / repository_path(module)).is_dir()
    return f"{module}/__init__.py" if package else f"{module}.py"


def repository_path(mutmut_path: str) -> str:
    return re.sub(r"^pixazo_client(?=/|$)", "client", mutmut_path)


# Kinds of change that never make a difference, each recognized exactly here and named, with
# its reason, on the equivalents list (`- class `name`: why`); a kind not listed there counts.
_LITERAL = re.compile(r'"[^"\\]*"')
_SQL = re.compile(r'"(SELECT|INSERT|DELETE|PRAGMA|BEGIN|COMMIT|ROLLBACK|UPDATE|CREATE)\b[^\']*"')
_TABLES = {"accounts", "jobs", "rules", "journal", "deliveries", "events", "labels", "blobs"}


def _changed_literal(old: str, new: str) -> tuple[str, str, str] | None:
    """(the line before the one string literal that changed, the literal, its new form):
    None unless the lines differ in exactly one string literal and nowhere else."""
    before, after = _LITERAL.findall(old), _LITERAL.findall(new)
    if len(before) != len(after) or _LITERAL.sub('""', old) != _LITERAL.sub('""', new):
        return None
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    if len(changed) != 1:
        return None
    literal, replaced = changed[0]
    return old[: old.index(literal)], literal, replaced


def _sql_case(path: str, old: str, new: str) -> bool:
    found = _changed_literal(old, new) if path.endswith("stores/sqlite.py") else None
    if found is None or found[1].lower() != found[2].lower():
        return False
    _, literal, _ = found  # an SQL statement without quoted values, or a table's name
    return _SQL.fullmatch(literal) is not None or (
        literal.strip('"') in _TABLES and old == f"{literal},"
    )


def _codec_case(path: str, old: str, new: str) -> bool:
    found = _changed_literal(old, new)
    if found is None or found[1].lower() != found[2].lower() or found[1] != '"utf-8"':
        return False
    return found[0].endswith((".encode(", ".decode(", "encoding="))  # the codec argument


CLASSES: dict[str, Callable[[str, str, str], bool]] = {
    "sql-case": _sql_case,  # SQLite reads keywords and table and column names in any case
    "codec-case": _codec_case,  # Python finds a codec by its name in any case
}
CLASS_ENTRY = re.compile(r"^- class `(?P<name>[\w-]+)`: (?P<why>.+)$")


def equivalents() -> tuple[dict[tuple[str, str, str], str], dict[str, str]]:
    """The list: (function, old line, new line) -> why it changes nothing, and the kinds of
    change it declares equivalent (class name -> why)."""
    listed, classes = {}, {}
    for line in EQUIVALENTS.read_text("utf-8").splitlines():
        if m := ENTRY.match(line):
            listed[(function_of(m["name"]), m["old"], m["new"])] = m["why"]
        elif (m := CLASS_ENTRY.match(line)) and m["name"] in CLASSES:
            classes[m["name"]] = m["why"]
    return listed, classes


def listed_equivalent() -> Callable[[str], bool]:
    """Whether a mutant is on the equivalents list, by its entry or its class, as report()
    matches a survivor: such a mutant is not run (it would only survive again, and the
    survivors that do cost most: every test that reaches them runs)."""
    listed, classes = equivalents()
    functions = {function for function, _, _ in listed}

    def equivalent(name: str) -> bool:
        if function_of(name) not in functions and not classes:
            return False
        old, new = changed_lines(name, mutmut_path_of(name))
        if (function_of(name), old, new) in listed:
            return True
        path = repository_path(mutmut_path_of(name))
        return any(CLASSES[kind](path, old, new) for kind in classes)

    return equivalent


def report(found: list[FileResult]) -> bool:
    listed, classes = equivalents()
    by_class: Counter[str] = Counter()
    used: set[tuple[str, str, str]] = set()
    unexplained: list[str] = []
    ok = True
    for group, target, folder in TARGETS:
        files = [r for r in found if r.path.startswith(folder)]
        print(f"\n{group}")
        for r in files:
            rate = r.detected / r.total if r.total else 1.0
            rest = ", ".join(f"{n} {s}" for s, n in sorted(r.statuses.items()) if s not in DETECTED)
            print(f"  {r.path:40} {r.detected:5}/{r.total:<5} {rate:8.2%}  {rest}")
            for name in r.survivors:
                old, new = changed_lines(name, r.mutmut_path)
                key = (function_of(name), old, new)
                kind = next((c for c in classes if CLASSES[c](r.path, old, new)), None)
                if key in listed:
                    used.add(key)
                elif kind is not None:
                    by_class[kind] += 1
                else:
                    unexplained.append(f"- `{name}`: `{old}` → `{new}`: ")
        detected = sum(r.detected for r in files)
        total = sum(r.total for r in files)
        rate = detected / total if total else 0.0  # nothing checked is not a pass
        met = total > 0 and rate >= target
        ok &= met
        print(
            f"  {'together':40} {detected:5}/{total:<5} {rate:8.2%}  "
            f"(target {target:.0%}: {'met' if met else 'NOT MET'})"
        )
    if unexplained:
        ok = False
        print(
            f"\n{len(unexplained)} survivors are not on {EQUIVALENTS.relative_to(ROOT)} "
            "(a test that fails on each, or a line there saying why it changes nothing):"
        )
        print("\n".join(unexplained))
    unchecked = sum(len(r.to_rerun) for r in found)
    if unchecked:
        ok = False
        print(
            f"\n{unchecked} mutants have no verdict (not checked: the run stopped early; or "
            "interrupted, crashed, suspicious): the next `make mutation` runs them"
        )
    stale = set(listed) - used
    if stale and not unchecked:
        print(
            f"\n{len(stale)} entries of {EQUIVALENTS.relative_to(ROOT)} match no survivor now "
            "(killed, or the code moved): remove them"
        )
        for function, old, new in sorted(stale):
            print(f"  {function}: `{old}` → `{new}`")
    print(f"\n{len(listed) - len(stale)} survivors are equivalent mutants (listed with reasons)")
    for kind, n in sorted(by_class.items()):
        print(f"{n} survivors are equivalent as `{kind}`: {classes[kind]}")
    skipped = sum(r.statuses["skipped"] for r in found)
    if skipped:
        print(
            f"({skipped} of those were not run: listed, they could only survive again; "
            "--try-equivalents runs them, to find entries a new test made stale)"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", action="store_true", help="only report the last run")
    parser.add_argument("--fresh", action="store_true", help="forget the last run: start over")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-run the last run's survivors (and mutants without a verdict) whose names match "
        "or start with a PATTERN (all: none given)",
    )
    parser.add_argument(
        "--unchecked",
        action="store_true",
        help="go on with the mutants the last run left without a verdict (it was stopped), "
        "keeping its survivors as they are",
    )
    parser.add_argument(
        "--check",
        metavar="MUTANT",
        help="run the tests PATTERNs name (pytest arguments) on the original and on MUTANT",
    )
    parser.add_argument(
        "--try-equivalents",
        action="store_true",
        help="run the mutants on the equivalents list too (skipped otherwise): to find entries "
        "a new test made stale",
    )
    parser.add_argument(
        "--jobs", type=int, default=JOBS, metavar="N", help=f"mutants tested at once ({JOBS})"
    )
    parser.add_argument("--type-check", metavar="mypy", help=argparse.SUPPRESS)  # by mutmut
    parser.add_argument("patterns", nargs="*", help="mutant names, * allowed (default: all)")
    if sys.argv[1:2] == ["--mutmut"]:  # run(), in build/mutation
        return mutmut_cli(sys.argv[2:])
    args = parser.parse_args()
    if args.type_check:
        return type_check()
    if args.check:
        return check(args.check, args.patterns or ["tests"])
    if args.survivors or args.unchecked:
        if not (STAGE / "mutants").is_dir():
            print("no mutation run yet: run `make mutation` first", file=sys.stderr)
            return 2
        names = [
            name
            for r in results()
            for name in (r.to_rerun if args.unchecked else r.survivors + r.to_rerun)
            if not args.patterns
            or any(fnmatch.fnmatch(name, p) or name.startswith(p) for p in args.patterns)
        ]
        if not names:
            print("no mutants to run")
            return 0
        args.patterns = names
    if not args.report:
        keep = not args.fresh and (STAGE / "mutants" / "mutmut-stats.json").exists()
        if keep and not args.patterns:
            reopened = reopen_undecided()
            print(
                f"keeping the last run's catches; {reopened} mutants to try again (survivors, "
                "and those without tests or a verdict)"
            )
        stage(keep=keep)
        code = run(args.patterns, args.jobs, args.try_equivalents)
        again = [name for r in results() for name in r.to_rerun] if not code else []
        if again:  # a worker that crashed (a segfault in a forked child) gets one more go
            print(f"{len(again)} mutants without a verdict (a worker crashed): once more")
            code = run(again, args.jobs, args.try_equivalents, typed=False)
        if code:
            print(f"mutmut run failed (exit {code})", file=sys.stderr)
            return code
    if not (STAGE / "mutants").is_dir():
        print("no mutation run to report: run `make mutation` first", file=sys.stderr)
        return 2
    return 0 if report(results()) else 1


if __name__ == "__main__":
    sys.exit(main())
