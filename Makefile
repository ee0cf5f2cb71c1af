# make demo / make test create .venv when it is missing, install footmat into it, then run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "footmat: creating the virtual environment in $(VENV) …"; $(PYTHON) -m venv $(VENV); }
	@echo "footmat: updating pip and setuptools (about 10 s) …"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=77" wheel
	@echo "footmat: installing footmat and numpy, scipy, matplotlib, gpiozero, the ADS1115 driver, c3d, pytest, hypothesis (about 45 s the first time) …"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)
	@echo "footmat: installed; the command is $(BIN)/footmat"

demo: $(STAMP)
	MPLBACKEND=$${MPLBACKEND:-$$( [ -n "$$DISPLAY" ] && echo TkAgg || echo Agg )} \
	  $(BIN)/footmat demo $(DEMO_ARGS)

test: $(STAMP)
	@bash .ci/system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: $(STAMP)
	@bash .ci/system-deps
	$(BIN)/python -m pytest -m "" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/footmat bench

clean:
	rm -rf $(VENV) build *.egg-info
