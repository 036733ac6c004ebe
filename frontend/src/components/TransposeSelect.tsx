import { useId } from "react";
import { CONCERT_PITCH, DOWN, INSTRUMENTS, type Transposition, UP } from "../lib/transpose";

/** Which key the score is written in: concert pitch, a transposing instrument, or up or down an interval. */
export function TransposeSelect({
  value,
  busy,
  onChange,
}: {
  value: string;
  /** the score in the chosen key is being made */
  busy: boolean;
  onChange(value: string): void;
}) {
  const id = useId();
  const options = (list: Transposition[]) =>
    list.map((t) => (
      <option key={t.value} value={t.value}>
        {t.label}
      </option>
    ));
  return (
    <div className="transpose-select">
      <label htmlFor={id}>Written for</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value={CONCERT_PITCH}>Concert pitch</option>
        <optgroup label="Instruments">{options(INSTRUMENTS)}</optgroup>
        <optgroup label="Transpose up">{options(UP)}</optgroup>
        <optgroup label="Transpose down">{options(DOWN)}</optgroup>
      </select>
      {busy && (
        <span className="muted" role="status">
          Transposing…
        </span>
      )}
    </div>
  );
}
