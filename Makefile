# Two set-up commands: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages: exiftool is the tests' independent metadata oracle, sshd and nginx are real
# servers the publishing tests talk to on loopback, Dovecot is the IMAP server the opt-out
# letters' replies are found on, desktop-file-validate checks the Linux menu entry; the rest are the
# libraries Qt needs even when it draws offscreen.
TEST_DEBS := libimage-exiftool-perl openssh-server nginx dovecot-imapd desktop-file-utils
QT_DEBS   := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
# Qt's xcb platform plugin under Xvfb, for screenshots
XVFB_DEBS := xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
             libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1

.PHONY: run test lint format bench screenshots sysdeps-test sysdeps-qt sysdeps-xvfb clean

run: $(VENV)/.installed sysdeps-qt
	$(BIN)/creatorapp gui

test: $(VENV)/.installed-test sysdeps-test sysdeps-qt
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 --dist loadgroup tests

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test sysdeps-test
	$(BIN)/python benchmarks/bench_tag.py
	$(BIN)/python benchmarks/bench_watch.py
	$(BIN)/python benchmarks/bench_catalogue.py
	$(BIN)/python benchmarks/bench_optout.py
	$(BIN)/python benchmarks/bench_c2pa.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_gui.py

# Pictures of each panel for the README, drawn by the real app under a virtual X server.
screenshots: $(VENV)/.installed-test sysdeps-qt sysdeps-xvfb
	$(BIN)/python docs/screenshots/take.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

sysdeps-test:
	@sh installers/debian-packages.sh $(TEST_DEBS)

sysdeps-qt:
	@sh installers/debian-packages.sh $(QT_DEBS)

sysdeps-xvfb:
	@sh installers/debian-packages.sh $(XVFB_DEBS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
