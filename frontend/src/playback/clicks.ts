import type { Click } from "./practice";

let context: AudioContext | null = null;

/**
 * A short click for the metronome and the count-in, synthesized with Web Audio so that it needs no
 * sample and sounds the same beside the piano and the recording.
 */
export const clickSound = {
  /** Must be called from a press of a button: browsers keep audio silent until a person acts. */
  async ready(): Promise<void> {
    context ??= new AudioContext();
    if (context.state !== "running") await context.resume();
  },

  /** Sounds `clicks` at their `seconds` from now (the audio clock schedules them, not a timer). */
  play(clicks: Click[]) {
    if (!context) return;
    const now = context.currentTime;
    for (const { seconds, downbeat } of clicks) {
      const at = now + seconds;
      const tone = context.createOscillator();
      const level = context.createGain();
      tone.frequency.value = downbeat ? 1760 : 1320;
      level.gain.setValueAtTime(0.0001, at);
      level.gain.exponentialRampToValueAtTime(downbeat ? 0.6 : 0.35, at + 0.002);
      level.gain.exponentialRampToValueAtTime(0.0001, at + 0.05);
      tone.connect(level).connect(context.destination);
      tone.start(at);
      tone.stop(at + 0.06);
    }
  },
};
