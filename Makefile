# Every target runs from the repository root, which is also DAGSTER_HOME (see dagster.yaml).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RELEASE_DIRS := outputs

export DAGSTER_HOME := $(CURDIR)
export GX_ANALYTICS_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test ui score bench profile validate-defs clean

## Create .venv and install the pinned dependencies (re-done when pyproject.toml or the lock change).
## pip lists each package as it collects and installs it (a few minutes on a fresh machine).
$(STAMP): pyproject.toml requirements.lock
	@echo "make: creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "make: installing the pinned dependencies of requirements.lock into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)
	@echo "make: $(VENV) is ready; the command line is $(BIN)/news-agreements"

## Materialise every asset on raw/ and publish a release: a line per step, then the release
## folder as the last line (add ARGS=--verbose for Dagster's own log lines).
run: $(STAMP)
	@mkdir -p outputs
	$(BIN)/news-agreements release --raw-dir raw --output-dir outputs $(ARGS)

## The whole test suite (what .ci/run calls).
test: $(STAMP)
	$(BIN)/python -m pytest

## Dagster UI on 127.0.0.1:3000 with the same instance as `make run`.
ui: $(STAMP)
	@mkdir -p outputs
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

## Score fresh releases of the seeds (gold: ../shared/gold) and of the dev articles (gold:
## ../shared/dev/gold): prints each set's score line; the verbose miss lists go to
## outputs/score/seeds.txt and outputs/score/dev.txt.
SHARED := ../shared
score: $(STAMP)
	@test -f $(SHARED)/gold/score.py || { echo "score: $(SHARED)/gold/score.py is missing"; exit 2; }
	@mkdir -p outputs/score
	@set -e; for set in seeds:$(SHARED)/seeds:$(SHARED)/gold dev:$(SHARED)/dev/raw:$(SHARED)/dev/gold; do \
	  name=$${set%%:*}; rest=$${set#*:}; raw=$${rest%%:*}; gold=$${rest#*:}; \
	  rel=$$($(BIN)/python -m pipeline release --raw-dir "$$raw" --output-dir outputs/score/$$name 2> outputs/score/$$name.log | tail -n 1); \
	  $(BIN)/python $(SHARED)/gold/score.py "$$rel" "$$gold" --verbose > outputs/score/$$name.txt; \
	  printf '%-6s %s\n' "$$name" "$$(tail -n 1 outputs/score/$$name.txt)"; \
	done

## Benchmark on generated corpora of BENCH_SIZES articles in BENCH_MODES (rules, model): per-stage
## MB/s, the release command's time and peak memory, re-runs, the peer (spaCy sm + quantulum3) and a
## profile; writes outputs/bench/bench.json, bench.png and profile.txt (docs/performance.md).
BENCH_SIZES ?= 1000,10000
BENCH_MODES ?= rules,model
BENCH_MODEL_MAX ?= 0
export BENCH_MODEL_MAX
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py --sizes $(BENCH_SIZES) --modes $(BENCH_MODES) --profile

## Only the profile: the release command on the first size and mode under cProfile -> outputs/bench/profile.txt.
profile: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py --sizes $(BENCH_SIZES) --modes $(BENCH_MODES) --profile-only

validate-defs: $(STAMP)
	$(BIN)/dagster definitions validate

clean:
	rm -rf outputs
