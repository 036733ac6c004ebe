import type { PlayedNote } from "./notes";
import type { Player } from "./player";

/** Samples rendered from the FluidR3 soundfont at build time (scripts/render-samples.sh). */
export const SAMPLES_BASE_URL = "/samples/";

interface SampleManifest {
  /** MIDI note number -> file name under /samples/ */
  notes: Record<string, string>;
}

// Notes are scheduled in transport ticks at 120 BPM, so one second of the recording is a fixed
// number of ticks and a tempo change (bpm = 120 × rate) stretches notes and their lengths alike.
const BASE_BPM = 120;

/** The transcription played by a sampled piano with Tone.js (loaded only when a person presses play). */
export async function createTranscriptionPlayer(
  notes: PlayedNote[],
  duration: number,
  onEnded: () => void,
): Promise<Player> {
  (globalThis as { TONE_SILENCE_LOGGING?: boolean }).TONE_SILENCE_LOGGING = true; // no banner in the console
  const Tone = await import("tone");
  const transport = Tone.getTransport();
  transport.stop();
  transport.cancel(0);
  transport.bpm.value = BASE_BPM;
  const ticksPerSecond = (BASE_BPM / 60) * transport.PPQ;

  const instrument = await loadPiano(Tone);
  const part = new Tone.Part<{ time: string; name: string; length: string; velocity: number }>(
    (time, note) => instrument.triggerAttackRelease(note.name, note.length, time, note.velocity),
    notes.map((note) => ({
      time: `${Math.round(note.startS * ticksPerSecond)}i`,
      name: Tone.Frequency(note.pitch, "midi").toNote(),
      length: `${Math.max(1, Math.round((note.soundEndS - note.startS) * ticksPerSecond))}i`,
      velocity: Math.min(1, Math.max(0.05, note.velocity)),
    })),
  ).start(0);
  const endEvent = transport.scheduleOnce(
    () => {
      Tone.getDraw().schedule(onEnded, Tone.now());
    },
    `${Math.round(duration * ticksPerSecond)}i`,
  );

  const seconds = () => transport.getTicksAtTime(Tone.immediate()) / ticksPerSecond;

  return {
    duration,
    async play() {
      await Tone.start();
      if (seconds() >= duration - 0.01) transport.ticks = 0;
      transport.start();
    },
    pause() {
      transport.pause();
      instrument.releaseAll();
    },
    seek(s: number) {
      instrument.releaseAll();
      transport.ticks = Math.round(Math.min(Math.max(0, s), duration) * ticksPerSecond);
    },
    setRate(rate: number) {
      transport.bpm.value = BASE_BPM * rate;
    },
    seconds,
    dispose() {
      transport.stop();
      transport.clear(endEvent);
      part.dispose();
      instrument.dispose();
    },
  };
}

type ToneModule = typeof import("tone");

async function loadPiano(Tone: ToneModule) {
  const manifest = await fetchManifest();
  if (manifest && Object.keys(manifest.notes).length > 0) {
    const urls: Record<number, string> = {};
    for (const [midi, file] of Object.entries(manifest.notes)) urls[Number(midi)] = file;
    const sampler = new Tone.Sampler({ urls, baseUrl: SAMPLES_BASE_URL, release: 0.8 }).toDestination();
    await Tone.loaded();
    return sampler;
  }
  // No rendered samples (a build without FluidSynth): a soft synthesized tone still plays the notes.
  return new Tone.PolySynth(Tone.Synth, {
    oscillator: { type: "triangle" },
    envelope: { attack: 0.005, decay: 0.3, sustain: 0.3, release: 0.6 },
    volume: -8,
  }).toDestination();
}

async function fetchManifest(): Promise<SampleManifest | null> {
  try {
    const response = await fetch(`${SAMPLES_BASE_URL}index.json`);
    if (!response.ok) return null;
    return (await response.json()) as SampleManifest;
  } catch {
    return null;
  }
}
