# TuneScribe: `make test` installs what is missing and runs every test.
PY_VERSION ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := ffmpeg fluidsynth fluid-soundfont-gm fluid-soundfont-gs fluidr3mono-gm-soundfont \
	timgm6mb-soundfont csound-soundfont musescore-general-soundfont time
CORPUS ?= data/corpus
HOURS ?= 10
VERSION ?= tsunet-$(shell date +%Y%m%d)
MINUTES ?= 100

.PHONY: system venv test corpus train benchmark clean

system:  ## Debian packages: ffmpeg, FluidSynth and the General MIDI soundfonts
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@command -v $(PY_VERSION) >/dev/null || { echo "needs $(PY_VERSION)"; exit 1; }
	$(PY_VERSION) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[trainer,service,test]"
	touch $@

venv: $(VENV)/.installed

test: system venv  ## every test
	$(VENV)/bin/pytest -q

corpus: system venv  ## render the synthetic training corpus (deterministic, git-ignored)
	$(PY) -m services.trainer.corpus --out $(CORPUS) --hours $(HOURS)

train: system venv  ## train from scratch on the corpus; writes models/$(VERSION)/
	$(PY) -m services.trainer.train --corpus $(CORPUS) --version $(VERSION) --minutes $(MINUTES)

benchmark: system venv  ## our engine beside Basic Pitch on the test split and the real recordings
	bash benchmarks/setup_peer.sh
	$(PY) benchmarks/transcription.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
