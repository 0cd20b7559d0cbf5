# Two set-up commands: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
ifeq ($(OS),Windows_NT)
BIN    := $(VENV)/Scripts
PY     := $(BIN)/python.exe
else
BIN    := $(VENV)/bin
PY     := $(BIN)/python
endif
# Debian packages: exiftool is the tests' independent metadata oracle, sshd and nginx are real
# servers the publishing tests talk to on loopback, Dovecot is the IMAP server the opt-out
# letters' replies are found on, desktop-file-validate checks the Linux menu entry,
# shellcheck the installers' scripts, GNOME Keyring is the desktop keyring the frozen app must
# reach over D-Bus; the rest are the
# libraries Qt needs even when it draws offscreen.
TEST_DEBS := libimage-exiftool-perl openssh-server nginx dovecot-imapd desktop-file-utils shellcheck \
             gnome-keyring dbus-daemon
QT_DEBS   := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
# Qt's xcb platform plugin: under Xvfb for screenshots, and in the Linux bundle (PyInstaller
# copies them in from the build machine, so the download runs on desktops that lack them)
XCB_DEBS  := libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
             libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
XVFB_DEBS := xvfb xauth $(XCB_DEBS)

# `make dist`: the installable app for the OS it runs on (installers/<os>/build.*), then its size
# and cold start time.
ifeq ($(OS),Windows_NT)
DIST_BUILD := powershell -NoProfile -ExecutionPolicy Bypass -File installers/windows/build.ps1 -Python $(PY)
else ifeq ($(shell uname -s),Darwin)
DIST_BUILD := sh installers/macos/build.sh $(PY)
else
DIST_BUILD := sh installers/linux/build.sh $(PY)
endif

.PHONY: run test lint format bench dist screenshots sysdeps-test sysdeps-qt sysdeps-xvfb clean

# Without a display the app says so and runs its demo (creatorapp/core/app/demo.py) instead.
run: $(VENV)/.installed sysdeps-qt
	$(BIN)/creatorapp gui

test: $(VENV)/.installed-test sysdeps-test sysdeps-qt
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --dist loadgroup tests

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test sysdeps-test
	$(PY) benchmarks/bench_tag.py
	$(PY) benchmarks/bench_watch.py
	$(PY) benchmarks/bench_catalogue.py
	$(PY) benchmarks/bench_optout.py
	$(PY) benchmarks/bench_c2pa.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui.py

dist: $(VENV)/.installed-dist sysdeps-qt
	@sh installers/debian-packages.sh $(XCB_DEBS)
	$(DIST_BUILD)
	$(PY) benchmarks/bench_bundle.py

# Pictures of each panel for the README, drawn by the real app under a virtual X server.
screenshots: $(VENV)/.installed-test sysdeps-qt sysdeps-xvfb
	$(PY) docs/screenshots/take.py
	$(PY) docs/screenshots/home_jobs.py
	$(PY) docs/screenshots/works_bulk.py
	$(PY) docs/screenshots/wizard_error.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dist: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dist]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

sysdeps-test:
	@sh installers/debian-packages.sh $(TEST_DEBS)

sysdeps-qt:
	@sh installers/debian-packages.sh $(QT_DEBS)

sysdeps-xvfb:
	@sh installers/debian-packages.sh $(XVFB_DEBS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
