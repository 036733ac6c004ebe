# syntax=docker/dockerfile:1
# One image for api, worker, beat, migrate and trainer; docker-compose.yml gives each its command.
# The web app is built in its own stage and copied in. The GPU worker is the same image built with
# `--build-arg TENSORFLOW="tensorflow[and-cuda]"` (compose's worker-gpu does this).

FROM node:20-bookworm-slim AS frontend
# the build renders the playback piano samples with FluidSynth (frontend/scripts/render-samples.sh)
RUN apt-get update && apt-get install -y --no-install-recommends fluidsynth fluid-soundfont-gm ffmpeg \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS app
ARG TENSORFLOW=tensorflow-cpu
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2
# ffmpeg decodes uploads and MuseScore 3 engraves the PDFs (worker); FluidSynth and the General MIDI
# soundfonts render the corpus (trainer)
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg musescore3 fluidsynth fluid-soundfont-gm \
        fluid-soundfont-gs fluidr3mono-gm-soundfont timgm6mb-soundfont csound-soundfont musescore-general-soundfont \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# dependencies first, from pyproject.toml alone, so a code change does not reinstall them
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['service'] + p['optional-dependencies']['trainer']))" \
    | sed "s/^tensorflow-cpu==/${TENSORFLOW}==/" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY . .
COPY --from=frontend /src/frontend/dist frontend/dist
RUN pip install --no-deps -e . \
    && python -c "from tunescribe.notation.beats import compile_beat_tracker; compile_beat_tracker()" \
    && useradd --system --uid 10001 --home-dir /app tunescribe \
    && mkdir -p /data && chown tunescribe /data
USER tunescribe
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "services.api.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
