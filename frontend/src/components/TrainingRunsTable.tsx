import { isRunActive, type TrainingRunPublic, TrainingRunStatus } from "../api/types";
import { formatDate, formatScore, INSTRUMENT_LABEL } from "../lib/format";
import { type Column, TableHead } from "./TableHead";

const COLUMNS: Column[] = [
  { label: "Started" },
  { label: "Instrument" },
  { label: "Data" },
  { label: "Status" },
  { label: "Epoch", numeric: true },
  { label: "Loss", numeric: true },
  { label: "Validation F1", numeric: true },
  { label: "Test F1", numeric: true },
  { label: "Serving model’s F1", numeric: true },
  { label: "Model" },
  { label: "Actions", hidden: true },
];

const BADGE: Record<TrainingRunStatus, string> = {
  queued: "badge badge-queued",
  running: "badge badge-running",
  succeeded: "badge badge-succeeded",
  failed: "badge badge-failed",
  cancelled: "badge badge-neutral",
};

/** What a run produced: its model, and whether it now serves. */
function outcome(run: TrainingRunPublic): string {
  if (!run.model_version) return "–";
  return run.promoted ? `${run.model_version} (promoted)` : `${run.model_version} (candidate)`;
}

/** Training runs, newest first: progress, losses and F1 beside the serving model's; cancel or resume.
 * `waitingForTrainer`: no trainer is connected, so a queued run says what it waits for. */
export function TrainingRunsTable({
  runs,
  waitingForTrainer,
  busy,
  onCancel,
  onResume,
}: {
  runs: TrainingRunPublic[];
  waitingForTrainer: boolean;
  busy: boolean;
  onCancel(run: TrainingRunPublic): void;
  onResume(run: TrainingRunPublic): void;
}) {
  return (
    <div className="table-scroll">
      <table className="admin-table">
        <TableHead columns={COLUMNS} />
        <tbody>
          {runs.map((run) => {
            const action = (label: string, onClick: (run: TrainingRunPublic) => void) => (
              <button
                type="button"
                className="button-secondary small"
                disabled={busy}
                onClick={() => onClick(run)}
                aria-label={`${label} the run started ${formatDate(run.created_at)}`}
              >
                {label}
              </button>
            );
            return (
              <tr key={run.id} data-status={run.status}>
                <th scope="row">
                  <time dateTime={run.created_at}>{formatDate(run.created_at)}</time>
                </th>
                <td>{INSTRUMENT_LABEL[run.instrument] ?? run.instrument}</td>
                <td>
                  {run.dataset} <code className="path">{run.path}</code>
                </td>
                <td>
                  <span className={BADGE[run.status] ?? "badge badge-neutral"}>
                    {run.status === TrainingRunStatus.running && run.cancel_requested ? "stopping" : run.status}
                  </span>
                  {waitingForTrainer && run.status === TrainingRunStatus.queued && (
                    <p className="run-note">waiting for a trainer</p>
                  )}
                  {run.error && <p className="run-error">{run.error}</p>}
                </td>
                <td className="num">
                  {run.epoch} / {run.epochs}
                </td>
                <td className="num">{formatScore(run.loss)}</td>
                <td className="num">{formatScore(run.val_note_f1)}</td>
                <td className="num">{formatScore(run.test_note_f1)}</td>
                <td className="num">{formatScore(run.active_note_f1)}</td>
                <td>{outcome(run)}</td>
                <td>
                  {isRunActive(run) && !run.cancel_requested && action("Cancel", onCancel)}
                  {(run.status === TrainingRunStatus.cancelled || run.status === TrainingRunStatus.failed) &&
                    action("Resume", onResume)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
