# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint clean app

# The planner's main job: the library's main mixes against the calibrated baseline, paired
# on one seed, at the library's county size (10,000 households, about 35,000 people: its
# capacities are households a year), 20 replicates.
MAIN_MIXES := scenarios/baseline_calibrated.yaml scenarios/five_batches.yaml \
	scenarios/development_heavy.yaml scenarios/safety_net_heavy.yaml scenarios/health_first.yaml
COUNTY_HOUSEHOLDS := 10000
REPLICATES := 20

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python run.py compare $(MAIN_MIXES) --households $(COUNTY_HOUSEHOLDS) \
		--replicates $(REPLICATES) --out outputs/comparison

# The planner's web app on http://127.0.0.1:8765/ (HOST=0.0.0.0 to open it to the network).
HOST ?= 127.0.0.1
PORT ?= 8765
app: $(STAMP)
	$(BIN)/python run.py app --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache
