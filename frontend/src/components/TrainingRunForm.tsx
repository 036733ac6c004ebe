import { type FormEvent, useState } from "react";
import { ModelInstrument, type TrainingDataset, type TrainingRunCreate } from "../api/types";
import { INSTRUMENT_LABEL } from "../lib/format";
import { TextField } from "./TextField";

/** Start a training run: which instrument's model, which data, where it is on the trainer's volume, and how long to train. */
export function TrainingRunForm({ busy, onStart }: { busy: boolean; onStart(run: TrainingRunCreate): void }) {
  const [instrument, setInstrument] = useState<ModelInstrument>(ModelInstrument.ensemble);
  const [dataset, setDataset] = useState<TrainingDataset>("synthetic");
  const [path, setPath] = useState("");
  const [epochs, setEpochs] = useState("6");
  const [steps, setSteps] = useState("300");

  function submit(event: FormEvent) {
    event.preventDefault();
    onStart({ instrument, dataset, path: path.trim(), epochs: Number(epochs), steps_per_epoch: Number(steps) });
  }

  return (
    <form className="run-form" onSubmit={submit} aria-labelledby="run-form-heading">
      <h3 id="run-form-heading">Start a training run</h3>
      <div className="field">
        <label htmlFor="run-instrument">Instrument</label>
        <select
          id="run-instrument"
          value={instrument}
          aria-describedby="run-instrument-hint"
          onChange={(e) => setInstrument(e.target.value as ModelInstrument)}
        >
          {[ModelInstrument.ensemble, ModelInstrument.piano].map((value) => (
            <option key={value} value={value}>
              {INSTRUMENT_LABEL[value]}
            </option>
          ))}
        </select>
        <p id="run-instrument-hint" className="hint">
          The model it trains, measured against that instrument’s active model.
        </p>
      </div>
      <div className="field">
        <label htmlFor="run-dataset">Data</label>
        <select id="run-dataset" value={dataset} onChange={(e) => setDataset(e.target.value as TrainingDataset)}>
          <option value="synthetic">Synthetic corpus</option>
          <option value="musicnet">MusicNet</option>
        </select>
      </div>
      <TextField
        id="run-path"
        label="Folder"
        type="text"
        required
        value={path}
        placeholder={dataset === "musicnet" ? "/data/musicnet" : "/data/corpus"}
        hint={
          dataset === "musicnet"
            ? "MusicNet's layout (train_data, train_labels, …) on the trainer's volume."
            : "A corpus rendered by make corpus, on the trainer's volume."
        }
        onChange={(e) => setPath(e.target.value)}
      />
      <TextField
        id="run-epochs"
        label="Epochs"
        type="number"
        min={1}
        max={1000}
        required
        value={epochs}
        onChange={(e) => setEpochs(e.target.value)}
      />
      <TextField
        id="run-steps"
        label="Steps per epoch"
        type="number"
        min={1}
        max={100000}
        required
        value={steps}
        onChange={(e) => setSteps(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy || !path.trim()}>
          {busy ? "Starting…" : "Start training"}
        </button>
      </div>
    </form>
  );
}
