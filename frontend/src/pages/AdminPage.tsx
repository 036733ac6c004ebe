import { useState } from "react";
import { Link } from "react-router";
import type { ModelPublic, TrainingRunCreate, TrainingRunPublic } from "../api/types";
import { isRunActive, ModelInstrument, ModelStatus, TrainingRunStatus } from "../api/types";
import { Alert } from "../components/Alert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ModelsTable } from "../components/ModelsTable";
import { TrainingRunForm } from "../components/TrainingRunForm";
import { TrainingRunsTable } from "../components/TrainingRunsTable";
import { WorkersTable } from "../components/WorkersTable";
import { useModelActions, useModels, useTrainingRunActions, useTrainingRuns, useWorkers } from "../hooks/useAdmin";
import { useAuth } from "../hooks/useAuth";
import { INSTRUMENT_LABEL } from "../lib/format";

const NO_TRAINER =
  "No trainer is connected: training runs wait until one starts (make up starts one; in compose, the trainer service).";
const NO_WORKER = "No transcription worker is connected: uploads wait in the queue until one starts.";

/** /admin: the model registry, the workers and training runs, for administrators only. */
export function AdminPage() {
  const { user } = useAuth();
  if (!user) {
    return (
      <p className="page page-loading" role="status">
        Loading…
      </p>
    );
  }
  if (!user.is_admin) {
    return (
      <div className="page narrow stack">
        <h1>Not allowed</h1>
        <Alert>This page is for administrators. Your account cannot see it.</Alert>
        <p>
          <Link to="/">Upload a recording</Link> · <Link to="/history">Your history</Link>
        </p>
      </div>
    );
  }
  return <AdminConsole />;
}

type Confirm = { action: "promote"; model: ModelPublic } | { action: "rollback"; instrument: ModelInstrument };

/** "piano", "ensemble": as the model's role reads in a sentence ("the active piano model"). */
const lower = (instrument: ModelInstrument) => INSTRUMENT_LABEL[instrument].toLowerCase();

/** The instruments that can be rolled back: the ensemble always (the shipped model is one), the piano once the
 * registry has a piano model. */
function rollbackInstruments(models: ModelPublic[] | undefined): ModelInstrument[] {
  const piano = models?.some((m) => m.instrument === ModelInstrument.piano) ?? false;
  return piano ? [ModelInstrument.ensemble, ModelInstrument.piano] : [ModelInstrument.ensemble];
}

function AdminConsole() {
  const runs = useTrainingRuns();
  const workers = useWorkers();
  const noTrainer = workers.data?.trainers.length === 0;
  const models = useModels({ follow: runs.data?.some(isRunActive) ?? false });
  const modelActions = useModelActions();
  const runActions = useTrainingRunActions();
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  /** Runs an action, then says what happened (or why it did not). */
  async function act(what: () => Promise<string>) {
    setNotice(null);
    setError(null);
    try {
      setNotice(await what());
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function confirmed() {
    if (!confirm) return;
    if (confirm.action === "promote") {
      const { version, instrument } = confirm.model;
      await act(async () => {
        await modelActions.promote.mutateAsync(version);
        return `${version} is now the active ${lower(instrument)} model. Workers switch to it before their next job.`;
      });
    } else {
      const { instrument } = confirm;
      await act(async () => {
        const model = await modelActions.rollback.mutateAsync(instrument);
        return `Rolled back: ${model.version} is the active ${lower(instrument)} model again.`;
      });
    }
    setConfirm(null);
  }

  const start = (run: TrainingRunCreate) =>
    act(async () => {
      await runActions.start.mutateAsync(run);
      return `Training run queued: ${lower(run.instrument)} model, ${run.dataset}, ${run.epochs} epoch${run.epochs === 1 ? "" : "s"}.`;
    });
  const cancel = (run: TrainingRunPublic) =>
    act(async () => {
      const after = await runActions.cancel.mutateAsync(run.id);
      return after.status === TrainingRunStatus.cancelled
        ? "The run is cancelled."
        : "The run stops after its current epoch.";
    });
  const resume = (run: TrainingRunPublic) =>
    act(async () => {
      await runActions.resume.mutateAsync(run.id);
      return "The run is queued again; it continues from its last checkpoint.";
    });

  const modelBusy = modelActions.promote.isPending || modelActions.rollback.isPending;
  const runBusy = runActions.cancel.isPending || runActions.resume.isPending;

  return (
    <div className="page admin stack">
      <h1>Administration</h1>
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert>{error}</Alert>}

      <section className="panel stack" aria-labelledby="models-heading">
        <div className="page-title-row">
          <h2 id="models-heading">Models</h2>
          <div className="actions">
            {rollbackInstruments(models.data).map((instrument) => (
              <button
                key={instrument}
                type="button"
                className="button-secondary"
                disabled={
                  modelBusy ||
                  !models.data?.some((m) => m.instrument === instrument && m.status === ModelStatus.retired)
                }
                onClick={() => setConfirm({ action: "rollback", instrument })}
              >
                Roll back {lower(instrument)}
              </button>
            ))}
          </div>
        </div>
        <p className="muted">
          Accuracy on the fixed test split (mir_eval note F1, with offsets, and frame F1). Workers serve one active
          model per instrument; a run promotes its model only when it measures at least as well as the active model of
          its instrument.
        </p>
        {models.isPending ? (
          <p className="muted" role="status">
            Loading the models…
          </p>
        ) : models.isError ? (
          <Alert>The models could not be loaded: {models.error.message}</Alert>
        ) : (
          <ModelsTable
            models={models.data}
            busy={modelBusy}
            onPromote={(model) => setConfirm({ action: "promote", model })}
          />
        )}
      </section>

      <section className="panel stack" aria-labelledby="workers-heading">
        <h2 id="workers-heading">Workers</h2>
        {workers.isPending ? (
          <p className="muted" role="status">
            Loading the workers…
          </p>
        ) : workers.isError ? (
          <Alert>The workers could not be loaded: {workers.error.message}</Alert>
        ) : (
          <>
            {workers.data.workers.length === 0 && <Alert tone="info">{NO_WORKER}</Alert>}
            {workers.data.workers.length + workers.data.trainers.length > 0 && <WorkersTable workers={workers.data} />}
          </>
        )}
      </section>

      <section className="panel stack" aria-labelledby="runs-heading">
        <h2 id="runs-heading">Training runs</h2>
        {noTrainer && <Alert tone="info">{NO_TRAINER}</Alert>}
        {runs.isPending ? (
          <p className="muted" role="status">
            Loading the training runs…
          </p>
        ) : runs.isError ? (
          <Alert>The training runs could not be loaded: {runs.error.message}</Alert>
        ) : runs.data.length === 0 ? (
          <p className="empty">No training runs yet.</p>
        ) : (
          <TrainingRunsTable
            runs={runs.data}
            waitingForTrainer={noTrainer}
            busy={runBusy}
            onCancel={cancel}
            onResume={resume}
          />
        )}
        <TrainingRunForm busy={runActions.start.isPending} onStart={start} />
      </section>

      {confirm && (
        <ConfirmDialog
          title={
            confirm.action === "promote"
              ? `Promote ${confirm.model.version}?`
              : `Roll back the active ${lower(confirm.instrument)} model?`
          }
          confirmLabel={confirm.action === "promote" ? "Promote" : "Roll back"}
          busyLabel={confirm.action === "promote" ? "Promoting…" : "Rolling back…"}
          danger={false}
          busy={modelBusy}
          onConfirm={confirmed}
          onCancel={() => setConfirm(null)}
        >
          <p>
            {confirm.action === "promote"
              ? `Every worker will transcribe with ${confirm.model.version} from its next job; the ${lower(confirm.model.instrument)} model serving now is retired.`
              : `Every worker will go back to the ${lower(confirm.instrument)} model that was active before this one, from its next job.`}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
