import { act, renderHook } from "@testing-library/react";
import type { PlayedNote } from "../playback/notes";
import type { Player } from "../playback/player";
import { measureSpan } from "../playback/practice";
import { TIME_MAP } from "../test/fixtures";
import { usePlayback } from "./usePlayback";
import type { PracticeSettings } from "./usePractice";

/** A transcription player whose position the test moves: `wallS` of playing advance it by wallS × rate. */
const fake = vi.hoisted(() => ({
  at: 0,
  rate: 1,
  playing: false,
  seeks: [] as number[],
  /** what the player calls when it reaches the end */
  ended: () => undefined as void,
}));

vi.mock("../playback/transcriptionPlayer", () => ({
  createTranscriptionPlayer: async (_notes: unknown, _duration: number, onEnded: () => void): Promise<Player> => ({
    duration: 4,
    play: async () => {
      fake.ended = onEnded;
      fake.playing = true;
    },
    pause: () => {
      fake.playing = false;
    },
    seek: (s: number) => {
      fake.at = s;
      fake.seeks.push(s);
    },
    setRate: (rate: number) => {
      fake.rate = rate;
    },
    seconds: () => fake.at,
    dispose: () => undefined,
  }),
}));

const clicked = vi.hoisted(() => [] as { seconds: number; downbeat: boolean }[][]);
vi.mock("../playback/clicks", () => ({
  clickSound: {
    ready: async () => undefined,
    play: (clicks: { seconds: number; downbeat: boolean }[]) => clicked.push(clicks),
  },
}));

/** Plays `wallS` seconds, a frame at a time. */
async function playFor(wallS: number) {
  for (let t = 0; t < wallS; t += 1 / 60) {
    if (fake.playing) fake.at += fake.rate / 60;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000 / 60);
    });
  }
}

// one array for every render: a new list of notes makes new players
const NOTES: PlayedNote[] = [];

function practice(over: Partial<PracticeSettings>): PracticeSettings {
  return { loop: null, countIn: false, metronome: false, timeMap: TIME_MAP, ...over };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  // frames on the fake clock (jsdom's own frames run on the real one)
  vi.stubGlobal("requestAnimationFrame", (frame: FrameRequestCallback) => setTimeout(() => frame(0), 1000 / 60));
  vi.stubGlobal("cancelAnimationFrame", (id: number) => clearTimeout(id));
  Object.assign(fake, { at: 0, rate: 1, playing: false, seeks: [] });
  clicked.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("usePlayback, with corrected notes", () => {
  it("stops where it was when the notes change, and plays the new ones from there", async () => {
    const { result, rerender } = renderHook(({ notes }) => usePlayback("job", notes, 4), {
      initialProps: { notes: NOTES },
    });
    await act(() => result.current.play());
    await playFor(1);
    expect(result.current.playing).toBe(true);
    rerender({ notes: [{ pitch: 61, startS: 0, endS: 1, soundEndS: 1, velocity: 0.6 }] });
    expect(result.current.playing).toBe(false);
    expect(result.current.clock.seconds).toBeGreaterThan(0.9);
    await act(() => result.current.play());
    expect(result.current.playing).toBe(true);
  });
});

describe("usePlayback, practising", () => {
  const bar2 = measureSpan(TIME_MAP, 2, 2)!; // 2 s to 4 s

  it("starts a loop at its start and keeps the clock inside it at half speed", async () => {
    const { result } = renderHook(() => usePlayback("job", NOTES, 4, practice({ loop: bar2 })));
    expect(result.current.clock.seconds).toBe(2); // the cursor goes to the loop when it is chosen
    act(() => result.current.setRate(0.5));
    await act(() => result.current.play());
    const seen: number[] = [];
    const stop = result.current.clock.subscribe(() => seen.push(result.current.clock.seconds));
    await playFor(9); // 4.5 s of the recording: two rounds of the 2 s bar and more
    stop();
    expect(seen.length).toBeGreaterThan(400);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...seen)).toBeLessThan(4);
    expect(fake.seeks.filter((s) => s === 2).length).toBeGreaterThanOrEqual(3); // the start, then each round
  });

  it("plays a loop that ends where the piece does again from its start", async () => {
    const { result } = renderHook(() => usePlayback("job", NOTES, 4, practice({ loop: bar2 })));
    await act(() => result.current.play());
    fake.at = 4;
    fake.playing = false; // the player stopped at its end
    act(() => fake.ended());
    expect(fake.at).toBe(2);
    expect(fake.playing).toBe(true);
    expect(result.current.playing).toBe(true);
  });

  it("counts in one bar before playing, at the playing rate", async () => {
    const { result } = renderHook(() => usePlayback("job", NOTES, 4, practice({ countIn: true })));
    act(() => result.current.setRate(0.5));
    let started: Promise<void>;
    await act(async () => {
      started = result.current.play();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(result.current.countingIn).toBe(true);
    expect(clicked[0].map((c) => c.seconds)).toEqual([0, 1, 2, 3]); // 4 beats of 0.5 s, at half speed
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3900);
    });
    expect(fake.playing).toBe(false);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(200);
      await started;
    });
    expect(fake.playing).toBe(true);
    expect(result.current.countingIn).toBe(false);
  });

  it("does not start when paused during the count-in", async () => {
    const { result } = renderHook(() => usePlayback("job", NOTES, 4, practice({ countIn: true })));
    await act(async () => {
      void result.current.play();
      await vi.advanceTimersByTimeAsync(500);
    });
    act(() => result.current.pause());
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3000);
    });
    expect(fake.playing).toBe(false);
  });

  it("clicks each beat passed, the downbeats marked", async () => {
    const { result } = renderHook(() => usePlayback("job", NOTES, 4, practice({ metronome: true })));
    await act(() => result.current.play());
    await playFor(1.2);
    const beats = clicked.flat();
    expect(beats.map((c) => c.downbeat)).toEqual([true, false, false]); // 0, 0.5 and 1 s
  });
});
