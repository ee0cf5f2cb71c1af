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
	@echo "footmat: installing footmat and numpy, scipy, matplotlib, gpiozero, the ADS1115 driver, c3d, the web view's Starlette, uvicorn and psycopg, pytest, hypothesis, selenium (about a minute the first time) …"
	@PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# byte-compile footmat's own modules once (an editable install does not), so that a first
	@# start does not compile ~75 modules from source (~0.15 s of `footmat demo`'s first frame)
	@$(BIN)/python -m compileall -q calibration firmware trainer >/dev/null
	@touch $(STAMP)
	@echo "footmat: installed; the command is $(BIN)/footmat"

demo: $(STAMP)
	MPLBACKEND=$${MPLBACKEND:-$$( [ -n "$$DISPLAY" ] && echo TkAgg || echo Agg )} \
	  $(BIN)/footmat demo $(DEMO_ARGS)

# The whole suite, every test (none deselected), in parallel (pytest-xdist; a test file's tests
# stay together on one worker, so a module's fixtures are built once; in the order tests/conftest.py
# gives them, the longest files first): one worker more than the
# cores, because some tests wait on real time (a display, a browser, a server, a drill process on
# the real clock) while the others compute. Each test has its own temporary FOOTMAT_HOME and the
# display tests pick a free X display, so the workers never meet. PYTEST_WORKERS=0 runs it in one
# process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

# OPENBLAS_NUM_THREADS=1: the workers already fill the cores (footmat's own command sets the
# same; a test process imports numpy before it runs footmat's main)
test: $(STAMP)
	@bash .ci/system-deps
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} \
	  $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-all: test

bench: $(STAMP)
	$(BIN)/footmat bench

clean:
	rm -rf $(VENV) build *.egg-info
