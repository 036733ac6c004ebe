import type { TimeMapEntry } from "../api/types";

/** Where a moment of the recording falls in the score. */
export interface ScorePosition {
  /** 0-based measure index */
  measureIndex: number;
  /** 0..1 of the way through that measure */
  fraction: number;
  /** 1-based measure and (fractional) beat, as a person counts */
  measure: number;
  beat: number;
}

interface Point {
  seconds: number;
  /** measures from the start of the score: 2.5 is half-way through the third measure */
  position: number;
  beatsPerBar: number;
}

/**
 * Turns the time map (every beat of every measure to seconds, the last entry being the end of the
 * last measure) into points on a continuous measure axis, so any second can be interpolated.
 */
export function prepareTimeMap(map: TimeMapEntry[]): Point[] {
  const beatsPerBar = new Map<number, number>();
  map.forEach((entry, i) => {
    const isEnd = i === map.length - 1 && map.length > 1 && entry.beat > 1;
    if (!isEnd) beatsPerBar.set(entry.measure, (beatsPerBar.get(entry.measure) ?? 0) + 1);
  });
  return map.map((entry) => {
    const bpb = Math.max(1, beatsPerBar.get(entry.measure) ?? Math.max(1, entry.beat - 1));
    return { seconds: entry.seconds, position: entry.measure - 1 + (entry.beat - 1) / bpb, beatsPerBar: bpb };
  });
}

/** The score position at `seconds`; before the first beat it is the start, after the last the end. */
export function scorePositionAt(points: Point[], seconds: number): ScorePosition | null {
  if (points.length === 0) return null;
  const last = points[points.length - 1];
  let position: number;
  if (seconds <= points[0].seconds) position = points[0].position;
  else if (seconds >= last.seconds) position = last.position;
  else {
    // the last point at or before `seconds` (binary search; seconds never decrease)
    let lo = 0;
    let hi = points.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (points[mid].seconds <= seconds) lo = mid;
      else hi = mid;
    }
    const a = points[lo];
    const b = points[hi];
    const span = b.seconds - a.seconds;
    position = span > 0 ? a.position + ((seconds - a.seconds) / span) * (b.position - a.position) : a.position;
  }
  const nMeasures = Math.max(1, Math.ceil(last.position - 1e-9));
  const measureIndex = Math.min(Math.floor(position + 1e-9), nMeasures - 1);
  const fraction = Math.min(1, Math.max(0, position - measureIndex));
  const bpb = beatsInMeasure(points, measureIndex);
  return { measureIndex, fraction, measure: measureIndex + 1, beat: 1 + fraction * bpb };
}

function beatsInMeasure(points: Point[], measureIndex: number): number {
  const point = points.find((p) => Math.floor(p.position + 1e-9) === measureIndex);
  return point?.beatsPerBar ?? 1;
}

export type PreparedTimeMap = ReturnType<typeof prepareTimeMap>;
