import type { TimeMapEntry } from "../api/types";
import { evenMap } from "../test/fixtures";
import { beatClicks, clicksBetween, countInClicks, loopedSeconds, measureSpan } from "./practice";

describe("measureSpan", () => {
  const map = evenMap(6, 4, 0.5, 1); // 6 bars of 4/4 at 120 BPM after 1 s of silence: a bar is 2 s

  it("runs from the first beat of the first measure to the first beat after the last", () => {
    expect(measureSpan(map, 3, 4)).toEqual({ firstMeasure: 3, lastMeasure: 4, startS: 5, endS: 9 });
  });

  it("takes the measures in either order, and one measure alone", () => {
    expect(measureSpan(map, 4, 3)).toMatchObject({ firstMeasure: 3, lastMeasure: 4 });
    expect(measureSpan(map, 2, 2)).toMatchObject({ startS: 3, endS: 5 });
  });

  it("ends the last measure at the time map's closing entry", () => {
    expect(measureSpan(map, 6, 6)).toMatchObject({ startS: 11, endS: 13 });
  });

  it("follows a changing tempo", () => {
    const tempo: TimeMapEntry[] = [
      { measure: 1, beat: 1, seconds: 0 },
      { measure: 1, beat: 2, seconds: 1 },
      { measure: 2, beat: 1, seconds: 2 },
      { measure: 2, beat: 2, seconds: 2.25 },
      { measure: 3, beat: 1, seconds: 2.5 },
      { measure: 3, beat: 2, seconds: 3.5 },
      { measure: 3, beat: 3, seconds: 4.5 },
    ];
    expect(measureSpan(tempo, 2, 2)).toMatchObject({ startS: 2, endS: 2.5 });
    expect(measureSpan(tempo, 2, 3)).toMatchObject({ startS: 2, endS: 4.5 });
  });

  it("is null for measures the score does not have, or without a time map", () => {
    expect(measureSpan(map, 0, 2)).toBeNull();
    expect(measureSpan(map, 5, 7)).toBeNull();
    expect(measureSpan([], 1, 1)).toBeNull();
  });
});

describe("loopedSeconds", () => {
  const loop = measureSpan(evenMap(6, 4, 0.5), 3, 4)!; // 4 s to 8 s

  it("goes back to the start at the end of the loop, and into the loop from outside it", () => {
    expect(loopedSeconds(6.5, loop)).toBe(6.5);
    expect(loopedSeconds(8, loop)).toBe(4);
    expect(loopedSeconds(1, loop)).toBe(4);
    expect(loopedSeconds(9, null)).toBe(9);
  });

  it.each([1, 0.5, 0.25])("keeps a player at rate %s inside bars 3-4, going round at the rate's pace", (rate) => {
    // a player advancing 60 frames a second at `rate`, put back at every frame as the playback does
    let seconds = loop.startS;
    let rounds = 0;
    const frameS = 1 / 60;
    const wallS = 20;
    for (let t = 0; t < wallS; t += frameS) {
      const next = loopedSeconds(seconds + frameS * rate, loop);
      if (next < seconds) rounds++;
      seconds = next;
      expect(seconds).toBeGreaterThanOrEqual(loop.startS);
      expect(seconds).toBeLessThan(loop.endS);
    }
    // 4 s of the recording take 4 / rate seconds to play
    expect(rounds).toBe(Math.floor((wallS * rate) / 4));
  });
});

describe("metronome clicks", () => {
  it("clicks every beat of the score, higher on the first of each measure, not at the closing entry", () => {
    const clicks = beatClicks(evenMap(2, 3, 0.5));
    expect(clicks.map((c) => c.seconds)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(clicks.map((c) => c.downbeat)).toEqual([true, false, false, true, false, false]);
  });

  it("sounds the clicks passed since the last frame, and none when playback jumps back", () => {
    const clicks = beatClicks(evenMap(2, 4, 0.5));
    expect(clicksBetween(clicks, 0.9, 1.6).map((c) => c.seconds)).toEqual([1, 1.5]);
    expect(clicksBetween(clicks, 1, 1.2)).toEqual([]);
    expect(clicksBetween(clicks, 3.9, 2)).toEqual([]);
  });
});

describe("countInClicks", () => {
  it("is one bar of the measure being started, a beat apart at its tempo", () => {
    const map = evenMap(4, 3, 0.5); // 3/4, half a second a beat
    const { clicks, lengthS } = countInClicks(map, 1.5, 1);
    expect(clicks).toEqual([
      { seconds: 0, downbeat: true },
      { seconds: 0.5, downbeat: false },
      { seconds: 1, downbeat: false },
    ]);
    expect(lengthS).toBe(1.5);
  });

  it("is slower at a slower rate", () => {
    const { clicks, lengthS } = countInClicks(evenMap(4, 4, 0.5), 4, 0.5);
    expect(clicks.map((c) => c.seconds)).toEqual([0, 1, 2, 3]);
    expect(lengthS).toBe(4);
  });

  it("takes the tempo of the measure played, mid-measure and before the first beat too", () => {
    const map: TimeMapEntry[] = [
      { measure: 1, beat: 1, seconds: 1 },
      { measure: 1, beat: 2, seconds: 2 },
      { measure: 2, beat: 1, seconds: 3 },
      { measure: 2, beat: 2, seconds: 3.25 },
      { measure: 2, beat: 3, seconds: 3.5 },
    ];
    expect(countInClicks(map, 3.3, 1).lengthS).toBe(0.5);
    expect(countInClicks(map, 0, 1)).toMatchObject({ lengthS: 2, clicks: [{ seconds: 0 }, { seconds: 1 }] });
  });

  it("is silent without a time map", () => {
    expect(countInClicks([], 0, 1)).toEqual({ clicks: [], lengthS: 0 });
  });
});
