import type { TimeMapEntry } from "../api/types";
import { evenMap } from "../test/fixtures";
import { prepareTimeMap, scorePositionAt } from "./timeMap";

describe("scorePositionAt", () => {
  const points = prepareTimeMap(evenMap(4, 4, 0.5)); // 4 bars of 4/4 at 120 BPM: 8 s

  it("finds the measure and beat of a moment on a beat", () => {
    expect(scorePositionAt(points, 2.5)).toMatchObject({ measure: 2, beat: 2, measureIndex: 1, fraction: 0.25 });
  });

  it("interpolates between beats", () => {
    const at = scorePositionAt(points, 0.25)!;
    expect(at.measure).toBe(1);
    expect(at.beat).toBeCloseTo(1.5);
  });

  it("holds the start before the first beat and the end after the last", () => {
    const late = prepareTimeMap(evenMap(2, 3, 1, 1.5));
    expect(scorePositionAt(late, 0)).toMatchObject({ measure: 1, beat: 1 });
    expect(scorePositionAt(points, 100)).toMatchObject({ measure: 4, fraction: 1, beat: 5 });
  });

  it("follows a changing tempo", () => {
    const map: TimeMapEntry[] = [
      { measure: 1, beat: 1, seconds: 0 },
      { measure: 1, beat: 2, seconds: 1 },
      { measure: 2, beat: 1, seconds: 1.5 },
      { measure: 2, beat: 2, seconds: 1.75 },
      { measure: 2, beat: 3, seconds: 2 },
    ];
    const tempo = prepareTimeMap(map);
    expect(scorePositionAt(tempo, 1.25)).toMatchObject({ measure: 1, beat: 2.5 });
    expect(scorePositionAt(tempo, 1.875)).toMatchObject({ measure: 2, beat: 2.5 });
  });

  it("is null without a time map", () => {
    expect(scorePositionAt([], 1)).toBeNull();
  });
});
