"""Webhook soak: `python -m soak` (or `make soak`), a bounded loopback-only run that proves
the webhook pipeline end to end.

Each mode starts, as separate processes on 127.0.0.1, a fresh mock (real clock, small time
scale) and the HTTPS sink (`mock-gateway sink --https`), submits mixed jobs (FIBO and RMBG,
`terminal` and `sync` webhooks) at a steady pace, waits until every job is terminal and every
callback due was delivered or given up, then counts, by delivery id, what the sink accepted
against what the mock made:

- `steady`: a healthy receiver;
- `flaky`: the receiver answers its first N callbacks 500 (`--fail-first`);
- `outage`: the receiver is stopped mid-run, then started again on the same port and CA.

Modules: `run` (one mode: processes, submits, the records of both sides, the checks) and
`__main__` (options, the report, the exit status). Processes and port discovery come from
`bench.procs`, tables from `bench.report`.
"""
