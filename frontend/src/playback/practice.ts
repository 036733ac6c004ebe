import type { TimeMapEntry } from "../api/types";
import { prepareTimeMap, type PreparedTimeMap } from "./timeMap";

/** A stretch of the recording to repeat, in seconds, from the start of one measure to the end of another. */
export interface LoopSpan {
  /** 1-based, as the score numbers them */
  firstMeasure: number;
  lastMeasure: number;
  startS: number;
  endS: number;
}

/** A click of the metronome or the count-in: `seconds` of the recording, or of the clock for a count-in. */
export interface Click {
  seconds: number;
  /** the first beat of a measure: a higher click */
  downbeat: boolean;
}

/** The slowest and fastest practice rates (1 = as recorded). */
export const MIN_RATE = 0.25;
export const MAX_RATE = 1.5;

/** The second of the recording at a point of the measure axis (2.5: half-way through measure 3). */
function secondsAtPosition(points: PreparedTimeMap, position: number): number {
  const last = points[points.length - 1];
  if (position <= points[0].position) return points[0].seconds;
  if (position >= last.position) return last.seconds;
  let i = 1;
  while (points[i].position < position) i++;
  const a = points[i - 1];
  const b = points[i];
  const span = b.position - a.position;
  return span > 0 ? a.seconds + ((position - a.position) / span) * (b.seconds - a.seconds) : a.seconds;
}

/**
 * Measures `first`..`last` (1-based, either order) as seconds of the recording: from the first
 * beat of the first to the first beat after the last (the time map's closing entry for the last
 * measure). Null without a time map or for measures it does not have.
 */
export function measureSpan(map: TimeMapEntry[], first: number, last: number): LoopSpan | null {
  const points = prepareTimeMap(map);
  if (points.length < 2) return null;
  const measures = Math.ceil(points[points.length - 1].position - 1e-9);
  const [a, b] = first <= last ? [first, last] : [last, first];
  if (a < 1 || b > measures) return null;
  return {
    firstMeasure: a,
    lastMeasure: b,
    startS: secondsAtPosition(points, a - 1),
    endS: secondsAtPosition(points, b),
  };
}

/**
 * Where a player at `seconds` should be while looping: back at the loop's start once it reaches
 * the end (or when it stands outside the loop), otherwise where it is. The loop is in seconds of
 * the recording, so it holds at any rate: a slower rate only takes longer to reach the end.
 */
export function loopedSeconds(seconds: number, loop: LoopSpan | null): number {
  if (!loop) return seconds;
  if (seconds >= loop.endS - 1e-3 || seconds < loop.startS - 1e-3) return loop.startS;
  return seconds;
}

/** The beats of the score (not the time map's closing entry) as clicks, in seconds of the recording. */
export function beatClicks(map: TimeMapEntry[]): Click[] {
  const closing = map.length > 1 && map[map.length - 1].beat > 1 ? map.length - 1 : -1;
  return map.filter((_, i) => i !== closing).map((entry) => ({ seconds: entry.seconds, downbeat: entry.beat === 1 }));
}

/** The clicks passed when playback moves from `fromS` (excluded) to `toS` (included); none going back. */
export function clicksBetween(clicks: Click[], fromS: number, toS: number): Click[] {
  if (toS <= fromS) return [];
  return clicks.filter((c) => c.seconds > fromS && c.seconds <= toS);
}

/**
 * One bar of clicks before playback starts at `atS`: as many as the measure being started has beats,
 * a beat apart at that measure's tempo slowed or sped by `rate`. Seconds are of the clock, from the
 * first click; `lengthS` is when playback starts (a beat after the last click).
 */
export function countInClicks(map: TimeMapEntry[], atS: number, rate: number): { clicks: Click[]; lengthS: number } {
  const beats = beatClicks(map);
  if (beats.length === 0 || rate <= 0) return { clicks: [], lengthS: 0 };
  // the measure playback starts in: the last downbeat at or before atS
  const points = prepareTimeMap(map);
  let index = 0;
  for (let i = 0; i < points.length; i++) if (points[i].seconds <= atS + 1e-6) index = i;
  const measureIndex = Math.min(
    Math.floor(points[index].position + 1e-9),
    Math.ceil(points[points.length - 1].position) - 1,
  );
  const start = secondsAtPosition(points, measureIndex);
  const end = secondsAtPosition(points, measureIndex + 1);
  const beatsPerBar = points.find((p) => Math.floor(p.position + 1e-9) === measureIndex)?.beatsPerBar ?? 4;
  const beatS = (end - start) / beatsPerBar / rate;
  const clicks = Array.from({ length: beatsPerBar }, (_, i) => ({ seconds: i * beatS, downbeat: i === 0 }));
  return { clicks, lengthS: beatsPerBar * beatS };
}
