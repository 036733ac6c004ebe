import type { Cursor } from "opensheetmusicdisplay";
import { type PreparedTimeMap, scorePositionAt } from "./timeMap";

/** One position the OSMD cursor can stand at: a measure (0-based) and how far into it (0..1). */
export interface CursorStep {
  position: number;
}

/** The cursor's positions, walked once on a copy of its iterator (no drawing). */
export function cursorSteps(cursor: Cursor): CursorStep[] {
  const steps: CursorStep[] = [];
  const iterator = cursor.Iterator.clone();
  while (!iterator.EndReached) {
    const measure = iterator.CurrentMeasure;
    const length = measure?.Duration?.RealValue || 1;
    const within = iterator.CurrentRelativeInMeasureTimestamp?.RealValue ?? 0;
    steps.push({ position: iterator.CurrentMeasureIndex + within / length });
    iterator.moveToNext();
  }
  return steps;
}

/** The last step at or before `position` (binary search over increasing positions). */
export function stepAt(steps: CursorStep[], position: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0 || position < steps[0].position) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid].position <= position + 1e-6) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Moves OSMD's cursor to the note being heard: seconds -> measure and beat (the time map) ->
 * the cursor step there. Playback moves forward, so this is usually a step or two at a time.
 */
export class ScoreCursor {
  private readonly steps: CursorStep[];
  private index = 0;

  constructor(
    private readonly cursor: Cursor,
    private readonly timeMap: PreparedTimeMap,
  ) {
    cursor.show();
    cursor.reset();
    this.steps = cursorSteps(cursor);
  }

  get stepCount(): number {
    return this.steps.length;
  }

  get element(): HTMLElement | null {
    return this.cursor.cursorElement ?? null;
  }

  moveTo(seconds: number) {
    const at = scorePositionAt(this.timeMap, seconds);
    if (!at) return;
    this.goTo(stepAt(this.steps, at.measureIndex + at.fraction));
  }

  private goTo(target: number) {
    if (target === this.index) return;
    if (target < this.index) {
      this.cursor.reset();
      this.index = 0;
    }
    while (this.index < target && !this.cursor.Iterator.EndReached) {
      this.cursor.Iterator.moveToNext();
      this.index++;
    }
    this.cursor.update();
  }
}
