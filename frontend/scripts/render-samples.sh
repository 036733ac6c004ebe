#!/usr/bin/env bash
# Piano samples for playback, rendered at build time from the FluidR3 General MIDI soundfont with the
# fluidsynth CLI: one note every minor third from A0 to C8 (Tone.Sampler pitch-shifts the notes
# between them by at most a semitone and a half). Writes OUT/<midi>.mp3 (or .wav without ffmpeg)
# and OUT/index.json, which the app reads. The output is git-ignored: audio is never committed.
#
# usage: scripts/render-samples.sh [OUT]    (default public/samples; SOUNDFONT=... to use another)
set -euo pipefail

OUT=${1:-public/samples}
SF2=${SOUNDFONT:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
LOWEST=21   # A0
HIGHEST=108 # C8
STEP=3      # a minor third
HOLD_TICKS=$'\x96\x40' # 2880 ticks = 3 s held (480 ticks a beat, 120 BPM), as a MIDI variable-length number
TAIL_TICKS=$'\x87\x40' # 960 ticks = 1 s of release before the end of the track

if ! command -v fluidsynth >/dev/null 2>&1 || [ ! -f "$SF2" ]; then
  echo "render-samples: fluidsynth or $SF2 missing; playback will use a synthesized piano" >&2
  exit 0
fi

stamp="$(sha1sum "$0" | cut -c1-12)"
if [ -f "$OUT/index.json" ] && grep -q "\"stamp\": \"$stamp\"" "$OUT/index.json"; then
  echo "render-samples: $OUT is up to date"
  exit 0
fi

format=wav
if command -v ffmpeg >/dev/null 2>&1 && ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libmp3lame; then
  format=mp3
fi

mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A one-note Standard MIDI File: piano (program 0), velocity 96, held 3 s, then 1 s of silence.
one_note_midi() {
  local hex
  hex=$(printf '%02x' "$1")
  {
    printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0'
    printf 'MTrk\x00\x00\x00\x11'
    printf '\x00\xc0\x00'
    printf "\\x00\\x90\\x${hex}\\x60"
    printf '%s' "$HOLD_TICKS"
    printf "\\x80\\x${hex}\\x40"
    printf '%s' "$TAIL_TICKS"
    printf '\xff\x2f\x00'
  } >"$2"
}

entries=()
for ((midi = LOWEST; midi <= HIGHEST; midi += STEP)); do
  one_note_midi "$midi" "$work/$midi.mid"
  # no reverb or chorus (the room is the listener's); one fixed gain for all notes keeps the
  # soundfont's balance between registers, with a single note peaking near -12 dBFS so chords don't clip
  fluidsynth -ni -q -R 0 -C 0 -g 1.0 -r 44100 -F "$work/$midi.wav" "$SF2" "$work/$midi.mid" >/dev/null 2>&1
  if [ "$format" = mp3 ]; then
    ffmpeg -hide_banner -loglevel error -y -i "$work/$midi.wav" -t 3.4 -ac 1 \
      -af "volume=5dB,afade=t=out:st=3.25:d=0.15" -c:a libmp3lame -b:a 96k "$OUT/$midi.mp3"
  else
    cp "$work/$midi.wav" "$OUT/$midi.wav"
  fi
  entries+=("\"$midi\": \"$midi.$format\"")
done

{
  printf '{\n  "stamp": "%s",\n  "soundfont": "%s",\n  "notes": {' "$stamp" "$(basename "$SF2")"
  (IFS=,; printf '%s' "${entries[*]}")
  printf '}\n}\n'
} >"$OUT/index.json"
echo "render-samples: ${#entries[@]} notes ($format) in $OUT"
