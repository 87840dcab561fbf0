# Everything bootstraps its own .venv: on a fresh machine `make serve` and `make test`
# are the only set-up commands (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_ARGS ?=
# `make soak SOAK_ARGS=--short`: the CI form of the webhook soak (python -m soak --help).
SOAK_ARGS ?=
# Wheels of every dependency of the user-facing extras, so tests/test_packaging.py can install
# the toolkit into fresh venvs with no index (no test depends on the network).
WHEELHOUSE := $(VENV)/wheelhouse
WHEELS := $(WHEELHOUSE)/.built

.PHONY: install serve test contract contract-live bench soak lint contact-sheet screenshots image image-test mutation clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mock-gateway serve $(SERVE_ARGS)

$(WHEELS): $(STAMP)
	$(BIN)/python -m pip wheel --quiet -w $(WHEELHOUSE) '.[pytest,contract]' setuptools
	rm -f $(WHEELHOUSE)/pixazo_mock_toolkit-*.whl  # the tests build this one from the source
	touch $(WHEELS)

test: $(STAMP) $(WHEELS)
	$(BIN)/python -m pytest -q

# The contract suite against the mock, started in-process (a PIXAZO_BASE_URL exported for
# other work must not turn this into a live run).
contract: $(STAMP)
	env -u PIXAZO_BASE_URL $(BIN)/python -m pixazo_contract

# The same suite, black-box, against PIXAZO_BASE_URL (default the live gateway) with the
# key in PIXAZO_API_KEY; refuses to start without it. The key is never echoed (@).
contract-live: $(STAMP)
	@$(BIN)/python -m pixazo_contract --live

bench: $(STAMP)
	$(BIN)/python -m bench

# The webhook soak: mock and HTTPS sink as processes on loopback, steady/flaky/outage receivers,
# every callback accounted for by delivery id (README: Soak).
soak: $(STAMP)
	$(BIN)/python -m soak $(SOAK_ARGS)

# mypy cannot follow setuptools' editable-install import hook (pixazo_client -> client/ ...),
# so the import names are laid out as links for it (pyproject.toml: mypy_path).
IMPORT_NAMES := pixazo_client:client pixazo_schemas:schemas pixazo_contract:contract_tests

lint: $(STAMP)
	mkdir -p $(VENV)/import-names
	for pair in $(IMPORT_NAMES); do ln -sfn ../../$${pair#*:} $(VENV)/import-names/$${pair%%:*}; done
	$(BIN)/ruff check mock_gateway schemas client contract_tests tests bench examples container
	$(BIN)/mypy
	$(BIN)/lint-imports

# The README's picture of what FIBO stand-ins look like for twelve prompts.
contact-sheet: $(STAMP)
	$(BIN)/python -m mock_gateway.media.contact_sheet docs/images/fibo-contact-sheet.png

# The README's pictures of the inspector (/_mock/ui/), taken in Debian's chromium from a
# scripted scenario (bench/screenshots.py).
screenshots: $(STAMP)
	$(BIN)/python -m bench.screenshots docs/images

# The container image pixazo-mock:<version> (README: Without Python): docker (Debian's
# docker.io) installed and dockerd started when missing; the base python:3.12-slim, or a
# Debian base made here with debootstrap when no registry answers (BASE=... to choose).
image: $(STAMP)
	$(BIN)/python container/build.py

# The image run as its users run it: the page's curl, the contract suite black-box, a
# webhook to the sink container, docker stop, state in /data, the healthcheck, compose and
# Testcontainers (container/test_image.py). Installs docker-compose when missing.
image-test: $(STAMP)
	$(BIN)/python container/build.py --for-tests
	$(BIN)/python -m pytest -q -p no:cacheprovider container

# Mutation testing (README: Mutation testing): mutmut over the core, the service layer, the
# stores and the client, the kill rate per file, and each survivor not on
# tests/mutation-equivalents.md. Not part of `make test` or CI: the first run tries every
# mutant (22 minutes here from nothing), later ones what changed and the survivors;
# MUTATION_ARGS=--fresh starts over, --report shows the last run again (scripts/mutation.py
# --help).
MUTATION_ARGS ?=
MUTATION_STAMP := $(VENV)/.mutation-installed

$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache
