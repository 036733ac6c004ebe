// Test material made here: a short piano clip rendered with FluidSynth, and a file that only
// pretends to be audio.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tonejsMidi from "@tonejs/midi";

const { Midi } = tonejsMidi;
const SOUNDFONT = process.env.SOUNDFONT ?? "/usr/share/sounds/sf2/FluidR3_GM.sf2";

/** A C major melody over a bass, 120 BPM, about 8 s: writes clip.mid and clip.wav into `dir`. */
export function renderClip(dir) {
  const midi = new Midi();
  midi.header.setTempo(120);
  const track = midi.addTrack();
  const melody = [72, 74, 76, 77, 79, 77, 76, 74, 72, 76, 79, 84, 79, 76, 72, 72];
  melody.forEach((pitch, i) => track.addNote({ midi: pitch, time: 0.5 + i * 0.45, duration: 0.4, velocity: 0.8 }));
  [48, 53, 55, 48].forEach((pitch, i) =>
    track.addNote({ midi: pitch, time: 0.5 + i * 1.8, duration: 1.7, velocity: 0.7 }),
  );
  const midPath = join(dir, "clip.mid");
  const wavPath = join(dir, "clip.wav");
  writeFileSync(midPath, Buffer.from(midi.toArray()));
  if (!existsSync(SOUNDFONT)) throw new Error(`no soundfont at ${SOUNDFONT} (apt-get install fluid-soundfont-gm)`);
  execFileSync("fluidsynth", ["-ni", "-q", "-g", "0.8", "-r", "44100", "-F", wavPath, SOUNDFONT, midPath], {
    stdio: "ignore",
  });
  return { wavPath, noteCount: melody.length + 4 };
}

/** A ".wav" that is not one: the server must refuse it (415) and the page say so. */
export function fakeWav(dir) {
  const path = join(dir, "not-really.wav");
  writeFileSync(path, "This is a text file with a .wav name.\n".repeat(50));
  return path;
}

/** A file the browser itself refuses before sending. */
export function textFile(dir) {
  const path = join(dir, "notes.txt");
  writeFileSync(path, "not audio\n");
  return path;
}
