# TuneScribe: `make test` installs what is missing and runs every test; `make up` serves the app.
PY_VERSION ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := ffmpeg fluidsynth fluid-soundfont-gm fluid-soundfont-gs fluidr3mono-gm-soundfont \
	timgm6mb-soundfont csound-soundfont musescore-general-soundfont time chromium musescore3 poppler-utils
CORPUS ?= data/corpus
HOURS ?= 10
VERSION ?= tsunet-$(shell date +%Y%m%d)
MINUTES ?= 100
HOST ?= 127.0.0.1
PORT ?= 8000
CELERY := $(VENV)/bin/celery -A services.worker.main
# the worker as compose and the service tests start it (tests/service/test_compose.py checks this)
WORKER_ARGS := worker --concurrency 1 --without-mingle --without-gossip -l INFO
TRAINER := $(VENV)/bin/celery -A services.trainer.tasks worker -Q train --concurrency 1 --without-mingle --without-gossip -l INFO
FRONTEND_SOURCES := $(shell find frontend/src frontend/scripts frontend/index.html frontend/package-lock.json \
	frontend/vite.config.ts frontend/tsconfig*.json -type f 2>/dev/null)

.PHONY: system venv test servers storage up worker trainer frontend corpus train piano-corpus train-piano auto-model beat-model notation-model benchmark benchmark-notation benchmark-frontend clean

system:  ## Debian packages: ffmpeg, FluidSynth, the General MIDI soundfonts, Chromium (end-to-end test), MuseScore 3 (engraves the PDFs), poppler (reads them in the tests)
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
	$(PY) -c "from tunescribe.notation.beats import compile_beat_tracker; compile_beat_tracker()"
	touch $@

venv: $(VENV)/.installed

test: system venv servers frontend  ## the layering contracts and every test (the end-to-end test drives the built web app in Chromium)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

servers:  ## PostgreSQL and Redis on 127.0.0.1 for the service tests, started when they are down
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 \
		--port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log

# `make storage`: the local S3-compatible server, in the foreground (Ctrl-C stops it); then run the
# services with TUNESCRIBE_STORAGE_URL=s3://tunescribe (docs/operations.md, "Object storage").
# The same command as benchmarks/stack.py's storage_argv (tests/service/test_storage.py checks this).
storage: venv  ## a local S3-compatible server (SeaweedFS) on 127.0.0.1:8333, its data under var/seaweedfs
	@mkdir -p var/seaweedfs
	$(VENV)/bin/weed server -dir=var/seaweedfs -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3 -s3.port=8333 \
		-s3.config=deploy/seaweedfs-s3.json -master.volumeSizeLimitMB=64

# `make up`: the API at http://$(HOST):$(PORT), one worker with the periodic sweep (-B) and one
# trainer, in the foreground; Ctrl-C stops them all. Embedded (SQLite + file broker under ./var)
# unless DATABASE_URL and BROKER_URL are set. `make worker` adds workers; only this one runs the sweep.
up: SHELL := /bin/bash
up: system venv frontend  ## install what is missing, migrate, serve the app with one worker
	$(PY) -m services.common.migrate
	@trap 'kill -TERM $$api $$worker $$trainer 2>/dev/null' INT TERM; \
	$(PY) -m uvicorn services.api.main:app --host $(HOST) --port $(PORT) --no-access-log & api=$$!; \
	$(CELERY) $(WORKER_ARGS) -B -s $${TUNESCRIBE_VAR_DIR:-var}/beat-schedule & worker=$$!; \
	$(TRAINER) -n trainer-$$$$@%h & trainer=$$!; \
	echo "TuneScribe: http://$(HOST):$(PORT)  (Ctrl-C stops the API, the worker and the trainer)"; \
	wait -n $$api $$worker $$trainer; status=$$?; kill -TERM $$api $$worker $$trainer 2>/dev/null; wait; exit $$status

worker: venv  ## one more worker against the configured database and broker
	$(CELERY) $(WORKER_ARGS) -n worker-$$$$@%h

trainer: venv  ## one more trainer (retraining runs from the admin page) against the configured database and broker
	$(TRAINER) -n trainer-$$$$@%h

ifneq ($(wildcard frontend/package.json),)
frontend: frontend/dist/index.html  ## the web app, built into frontend/dist (the API serves it at /)

frontend/node_modules/.installed: frontend/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build
	touch $@

test: frontend-test
frontend-test: frontend/node_modules/.installed  ## the web app's unit tests (Vitest)
	cd frontend && npm test
else
frontend:  # no web app in this checkout: the API serves only /api
frontend-test:
endif
.PHONY: frontend-test

corpus: system venv  ## render the synthetic training corpus (deterministic, git-ignored)
	$(PY) -m services.trainer.corpus --out $(CORPUS) --hours $(HOURS)

train: system venv  ## train from scratch on the corpus; writes models/$(VERSION)/
	$(PY) -m services.trainer.train --corpus $(CORPUS) --version $(VERSION) --minutes $(MINUTES)

PIANO_CORPUS ?= data/piano-corpus
PIANO_VERSION ?= tsunet-piano-$(shell date +%Y%m%d)

piano-corpus: system venv  ## render the piano corpus (sustain pedal, every training piano) into $(PIANO_CORPUS)
	$(PY) -m services.trainer.corpus --piano --out $(PIANO_CORPUS) --hours $(HOURS) --processes $(shell nproc)

train-piano: system venv  ## train the piano model (pedal head) on $(PIANO_CORPUS), starting from the ensemble model; writes models/$(PIANO_VERSION)/
	$(PY) -m services.trainer.train --corpus $(PIANO_CORPUS) --version $(PIANO_VERSION) --instrument piano \
		--base 16 --init models/$(shell cat models/DEFAULT) --minutes $(MINUTES)

auto-model: system venv  ## relearn Auto's instrument classifier (models/auto-v1) on both corpora: is it a solo piano?
	$(PY) -m services.trainer.auto --corpus $(CORPUS) --piano-corpus $(PIANO_CORPUS) --out models/auto-v1

HELD_OUT_FONTS := timgm6mb,csound_gm
beat-model: system venv  ## relearn the beat network (models/beats-v2) on the corpus's true beats; the same recipe without two soundfonts chooses its decoding weights (printed; set in tunescribe/notation)
	$(PY) -m services.trainer.beatnet --corpus $(CORPUS) --out models/beats-v2 --run runs/beats-v2
	$(PY) -m services.trainer.beatnet --corpus $(CORPUS) --out runs/beats-held-out/model --run runs/beats-held-out --hold-out $(HELD_OUT_FONTS)
	$(PY) -m services.trainer.beatnet --corpus $(CORPUS) --out runs/beats-held-out/model --hold-out $(HELD_OUT_FONTS) --choose-decoding

notation-model: system venv  ## relearn the notation stage's meter and key weights (models/notation-v5, no audio)
	$(PY) -m services.trainer.notation $(if $(wildcard $(CORPUS)/validation/*.score.json),--eval-corpus $(CORPUS))

benchmark: system venv  ## our engine beside Basic Pitch on the test split and the real recordings
	bash benchmarks/setup_peer.sh
	$(PY) benchmarks/transcription.py

benchmark-notation: system venv  ## sheet music beside Basic Pitch + music21 on the test split (rendered if missing)
	bash benchmarks/setup_peer.sh
	ls $(CORPUS)/test/*.score.json >/dev/null 2>&1 || $(PY) -m services.trainer.corpus --out $(CORPUS) --splits test
	$(PY) benchmarks/notation.py --corpus $(CORPUS)

benchmark-frontend: system venv servers frontend  ## the web app's bundle and time to a drawn score, on the real stack
	$(PY) benchmarks/frontend.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
