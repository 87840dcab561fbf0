"""The mutants behind tests/test_mutation_gaps.py (issue 18's list): each is applied to the
source in turn, the gap's test is run against it (it must fail: "KILLED"), and the file is
put back. Until `make mutation` exists, this shows each named gap test can catch its bug.

    .venv/bin/python scripts/gap_mutants.py      # from the repository root; ~30 s

Refuses to run over uncommitted changes to the files it mutates (it rewrites them).
"""

import subprocess
import sys
from pathlib import Path

MUTANTS = [
    (
        "client/errors.py",
        "        self.message = message\n        self.status_code = status_code",
        "        self.message = None\n        self.status_code = status_code",
        "gap_10_error_messages",
    ),
    (
        "client/errors.py",
        'return text[:200] + ("…" if len(text) > 200 else "")',
        'return text[:201] + ("…" if len(text) > 200 else "")',
        "gap_10_error_messages",
    ),
    (
        "client/errors.py",
        'super().__init__(f"request {request_id} still {state} after {timeout:g} s")',
        'super().__init__(f"request {request_id} still {state}")',
        "gap_10_error_messages",
    ),
    (
        "client/transport.py",
        "        return await self._retrying(once, retry=True)\n\n    async def _retrying",
        "        return await self._retrying(once, retry=False)\n\n    async def _retrying",
        "gap_10_a_download",
    ),
    (
        "client/transport.py",
        "                                size += len(chunk)",
        "                                size += 1",
        "gap_10_a_download",
    ),
    (
        "client/async_client.py",
        "retry=True,  # a read, whatever its verb: nothing is charged",
        "retry=False,",
        "gap_10_generation_1_status",
    ),
    (
        "client/async_client.py",
        "self._gen1_models.popitem(last=False)",
        "self._gen1_models.popitem(last=True)",
        "gap_10_the_generation_1_model",
    ),
    ("client/policy.py", "if self.attempts < 1 or", "if self.attempts <= 1 or", "gap_10_a_single"),
    (
        "client/sync_client.py",
        "                image_url, webhook_url=webhook_url, webhook_mode=webhook_mode",
        "                image_url, webhook_url=webhook_url",
        "gap_10_the_sync",
    ),
    (
        "client/sync_client.py",
        "                webhook_url=webhook_url,\n                webhook_mode=webhook_mode,",
        "                webhook_url=webhook_url,",
        "gap_10_the_sync",
    ),
    (
        "mock_gateway/core/scenarios.py",
        "if rule.times == 0 or not rule.match.fits(key, model_id, text, endpoint):\n                continue",
        "if rule.times == 0 or not rule.match.fits(key, model_id, text, endpoint):\n                break",
        "gap_1",
    ),
    (
        "mock_gateway/core/scenarios.py",
        "int(m.group(1)) <= MAX_LATENCY_MS",
        "int(m.group(1)) < MAX_LATENCY_MS",
        "gap_2",
    ),
    (
        "mock_gateway/gateway.py",
        "            if due is not None and due <= now:",
        "            if due is not None and due < now:",
        "gap_3",
    ),
    (
        "mock_gateway/gateway.py",
        "if due is not None and due <= self.clock.now():",
        "if due is not None and due < self.clock.now():",
        "gap_3",
    ),
    (
        "mock_gateway/gateway.py",
        "round(rng.uniform(*model.queue_seconds) * scale, 6)",
        "round(rng.uniform(*model.queue_seconds) * scale, 0)",
        "gap_4",
    ),
    ("mock_gateway/gateway.py", 'if "models" in fields:', "if False:", "gap_5"),
    ("mock_gateway/gateway.py", 'if "api_generation" in fields:', "if False:", "gap_5"),
    (
        "mock_gateway/gateway.py",
        "base_url=self._base_urls.setdefault(base_url, base_url)",
        "base_url=self._base_urls.setdefault('first', base_url)",
        "gap_6",
    ),
    (
        "mock_gateway/core/journal.py",
        "self._entries: deque[tuple[Any, ...]] = deque(maxlen=size or None)",
        "self._entries: deque[tuple[Any, ...]] = deque()",
        "gap_7",
    ),
    (
        "mock_gateway/core/journal.py",
        "out = out[len(out) - limit :] if limit is not None else out",
        "out = out[:limit] if limit is not None else out",
        "gap_7",
    ),
    (
        "client/errors.py",
        'field = self.body.get("field") if',
        'field = self.body.get("error") if',
        "gap_8",
    ),
    (
        "mock_gateway/core/errors.py",
        'return {"Retry-After": "1"} if self.status in (429, 503) else {}',
        'return {"Retry-After": "1"} if self.status in (429,) else {}',
        "gap_9",
    ),
    (
        "mock_gateway/core/errors.py",
        "        if self.status == 402:\n            return InsufficientBalance().body(generation)",
        "        if self.status == 4020:\n            return InsufficientBalance().body(generation)",
        "gap_9",
    ),
]
dirty = subprocess.run(
    ["git", "status", "--porcelain", "--", *sorted({m[0] for m in MUTANTS})],
    capture_output=True,
    text=True,
    check=True,
).stdout
if dirty.strip():
    sys.exit(f"gap_mutants: uncommitted changes in files it would rewrite:\n{dirty}")
ok = True
for path, old, new, k in MUTANTS:
    src = Path(path).read_text()
    if src.count(old) != 1:
        print("NOT FOUND", path, old[:50], src.count(old))
        ok = False
        continue
    Path(path).write_text(src.replace(old, new))
    try:
        r = subprocess.run(
            [
                ".venv/bin/pytest",
                "-q",
                "-x",
                "tests/test_mutation_gaps.py",
                "-k",
                k,
                "-p",
                "no:randomly",
            ],
            capture_output=True,
            text=True,
        )
        verdict = "KILLED" if r.returncode != 0 else "SURVIVED"
        print(verdict, k, path, new[:60].replace("\n", " "))
        ok &= verdict == "KILLED"
    finally:
        Path(path).write_text(src)
print(f"{len(MUTANTS)} mutants: " + ("all killed" if ok else "SOME SURVIVED"))
sys.exit(0 if ok else 1)
