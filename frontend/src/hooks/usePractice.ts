import { useCallback, useMemo, useState } from "react";
import type { TimeMapEntry } from "../api/types";
import { type LoopSpan, measureSpan } from "../playback/practice";

/** What the playback does for practice: loop a span, count in, click the beats. */
export interface PracticeSettings {
  /** null: play through */
  loop: LoopSpan | null;
  countIn: boolean;
  metronome: boolean;
  timeMap: TimeMapEntry[] | null;
}

export interface Practice extends PracticeSettings {
  /** loop measures `first`..`last` (1-based, either order) */
  selectMeasures(first: number, last: number): void;
  clearLoop(): void;
  setCountIn(on: boolean): void;
  setMetronome(on: boolean): void;
}

/** The practice choices for one score; the loop is kept as measures and turned into seconds by its time map. */
export function usePractice(timeMap: TimeMapEntry[] | null): Practice {
  const [measures, setMeasures] = useState<[number, number] | null>(null);
  const [countIn, setCountIn] = useState(false);
  const [metronome, setMetronome] = useState(false);
  const loop = useMemo(
    () => (measures && timeMap ? measureSpan(timeMap, measures[0], measures[1]) : null),
    [measures, timeMap],
  );
  const selectMeasures = useCallback((first: number, last: number) => setMeasures([first, last]), []);
  const clearLoop = useCallback(() => setMeasures(null), []);
  return { loop, countIn, metronome, timeMap, selectMeasures, clearLoop, setCountIn, setMetronome };
}
