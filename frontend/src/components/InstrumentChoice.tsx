import { useId } from "react";
import { Instrument } from "../api/types";
import { INSTRUMENT_LABEL } from "../lib/format";

/** Auto, Piano or Ensemble: a segmented radio group, with what each is for. */
export function InstrumentChoice({
  value,
  disabled,
  onChange,
}: {
  value: Instrument;
  disabled: boolean;
  onChange(instrument: Instrument): void;
}) {
  const id = useId();
  return (
    <fieldset className="instrument-choice" disabled={disabled} aria-describedby={`${id}-hint`}>
      <legend>Instrument</legend>
      <div className="segmented">
        {Object.values(Instrument).map((instrument) => (
          <label key={instrument} className="segment">
            <input
              type="radio"
              name={`${id}-instrument`}
              value={instrument}
              checked={value === instrument}
              onChange={() => onChange(instrument)}
            />
            <span>{INSTRUMENT_LABEL[instrument]}</span>
          </label>
        ))}
      </div>
      <p id={`${id}-hint`} className="hint">
        Piano: solo piano recordings. Ensemble: strings, winds, orchestra, anything else. Auto: TuneScribe decides. The
        transcription names the model that made it.
      </p>
    </fieldset>
  );
}
