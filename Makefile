# make        set up (system packages, .venv) and build every handout into output/
# make test   run the test suite
# make check  validate content, practices and templates; write nothing
# make validate  build every variant of a few handouts and check each PDF with veraPDF
# make fonts  extract the Chinese fonts from Debian's fonts-noto-cjk (make does it)
# make clean  remove output/ and caches (make distclean also removes .venv)
# make bench  measure the press on a generated matrix of documents, and the live preview
# make golden draw the visual-regression pages again, approve them, say what changed
# make serve  live preview of every handout on http://127.0.0.1:8000/ (SERVE_ARGS="--port 9000")
# make gallery  build, then write output/index.html showing every handout
#
# make build BUILD_ARGS="--shard 1/4"   passes options to `build.py build`
# make check CHECK_ARGS=--strict        fails on reading levels and plain-language findings too

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all setup system browser fonts build test check validate bench golden serve gallery clean distclean

all: setup build

setup: system $(STAMP) fonts

system:
	@bash scripts/system-deps.sh

# Chromium, for the live preview's browser test (Debian's package; Playwright drives it).
browser:
	@bash scripts/system-deps.sh browser

# The Chinese faces are too large to commit (16 MB a weight): extracted from
# Debian's fonts-noto-cjk into templates/fonts/noto-sans-cjk/ (git-ignored).
fonts: $(STAMP)
	@bash scripts/cjk-fonts.sh $(BIN)/python

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

build: setup
	$(BIN)/python build.py build $(BUILD_ARGS)

# Bytecode is written even where the environment turns it off: the suite starts
# Python many times (test workers, the CLI end to end), and recompiling the
# package and the rewritten tests each time costs 10 s of a 2.5-minute run.
test: setup browser
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist loadscope

check: setup
	$(BIN)/python build.py check $(CHECK_ARGS)

validate: setup
	$(BIN)/python scripts/validate.py

bench: setup browser
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/preview.py

golden: setup
	$(BIN)/python scripts/golden.py

serve: setup
	$(BIN)/python build.py serve $(SERVE_ARGS)

gallery: setup
	$(BIN)/python build.py gallery

clean:
	rm -rf output test-results .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
