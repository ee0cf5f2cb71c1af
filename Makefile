# make demo / make test create .venv when it is missing, install footmat into it, then run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=68" wheel
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	MPLBACKEND=$${MPLBACKEND:-$$( [ -n "$$DISPLAY" ] && echo TkAgg || echo Agg )} \
	  $(BIN)/footmat demo $(DEMO_ARGS)

test: $(STAMP)
	@bash .ci/system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/footmat bench

clean:
	rm -rf $(VENV) build *.egg-info
