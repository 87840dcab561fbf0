"""Benchmark harness for the mock gateway: `python -m bench` (or `make bench`).

Measurements in one run, each reported with its target (reported, not asserted); the
first three:

1. HTTP throughput of the mock against a *ceiling*: a bare aiohttp app answering the same
   routes with fixed bytes, loaded by the same load generator (wrk when available).
2. Memory held by one million jobs, built in-process without HTTP.
3. Startup time, from spawning `mock-gateway serve` to the first 200 from `/_mock/health`.

Modules: `procs` (subprocesses), `client` (a tiny blocking HTTP client for set-up),
`ceiling` (the ceiling app), `load` (workloads and load generators), `pyload` (the
fallback Python load generator), `throughput`, `memory`, `startup`, `report`. Later
sections: `shared` (Redis, workers), `webhooks`, `plugin`, `slow_clients`, and `inspector`
(the /_mock/ui/ page in Chromium with 100,000 jobs: load and update times, `browser`).
"""
