import type { Practice } from "../hooks/usePractice";
import { formatDuration } from "../lib/format";

/** The loop chosen on the score (and a way to remove it), the count-in and the metronome. */
export function PracticeControls({ practice }: { practice: Practice }) {
  const { loop } = practice;
  return (
    <section className="practice-controls" aria-label="Practice">
      <p className="loop-status" role="status">
        {loop ? (
          <>
            <strong>
              Looping{" "}
              {loop.firstMeasure === loop.lastMeasure
                ? `bar ${loop.firstMeasure}`
                : `bars ${loop.firstMeasure}–${loop.lastMeasure}`}
            </strong>{" "}
            <span className="muted">
              ({formatDuration(loop.startS)}–{formatDuration(loop.endS)})
            </span>{" "}
            <button type="button" className="button-secondary" onClick={practice.clearLoop}>
              Clear loop
            </button>
          </>
        ) : (
          <span className="muted">
            To loop a passage, drag over its measures on the score, or click its first and last.
          </span>
        )}
      </p>
      <label>
        <input type="checkbox" checked={practice.countIn} onChange={(e) => practice.setCountIn(e.target.checked)} />
        Count-in
      </label>
      <label>
        <input type="checkbox" checked={practice.metronome} onChange={(e) => practice.setMetronome(e.target.checked)} />
        Metronome
      </label>
    </section>
  );
}
