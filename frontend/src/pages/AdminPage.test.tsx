import { screen, waitFor, within } from "@testing-library/react";
import {
  ModelInstrument,
  ModelStatus,
  TrainingRunStatus,
  type ModelPublic,
  type TrainingRunPublic,
  type WorkerPublic,
  type WorkersPublic,
} from "../api/types";
import { USER, mockFetch, signedIn, type FetchMock } from "../test/api";
import { renderApp } from "../test/render";

const ADMIN = { id: 2, email: "admin@example.com", is_admin: true };

function model(overrides: Partial<ModelPublic> = {}): ModelPublic {
  return {
    version: "tsunet-v1",
    status: ModelStatus.active,
    instrument: ModelInstrument.ensemble,
    parameters: 312_456,
    data: { corpus: "music21 corpus, rendered with FluidSynth", train: { hours: 11.58, renditions: 684 } },
    metrics: { all: { note_f1: 0.7606, note_offset_f1: 0.4915, frame_f1: 0.8139 } },
    created_at: "2025-11-01T09:00:00Z",
    activated_at: "2025-11-01T09:00:00Z",
    ...overrides,
  };
}

function run(overrides: Partial<TrainingRunPublic> = {}): TrainingRunPublic {
  return {
    id: "run-1",
    status: TrainingRunStatus.running,
    dataset: "synthetic",
    instrument: ModelInstrument.ensemble,
    path: "/data/corpus",
    epochs: 6,
    steps_per_epoch: 300,
    epoch: 2,
    loss: 0.0831,
    val_note_f1: 0.7012,
    test_note_f1: null,
    active_note_f1: null,
    promoted: false,
    model_version: null,
    error: null,
    cancel_requested: false,
    labels_path: null,
    base_model: null,
    created_at: "2025-11-20T10:00:00Z",
    started_at: "2025-11-20T10:00:05Z",
    finished_at: null,
    ...overrides,
  };
}

function worker(overrides: Partial<WorkerPublic> = {}): WorkerPublic {
  return {
    name: "celery@host-a",
    model_version: "tsunet-v1",
    model_error: null,
    seen_at: "2025-11-20T10:00:00Z",
    ...overrides,
  };
}

/** One transcription worker and one trainer. */
const CONNECTED: WorkersPublic = {
  workers: [worker()],
  trainers: [worker({ name: "trainer@host-b", model_version: null })],
};

interface AdminState {
  models: ModelPublic[];
  runs: TrainingRunPublic[];
  workers?: WorkersPublic;
}

/** An admin API over lists the test can inspect. */
function serveAdmin(api: FetchMock, state: AdminState) {
  api.on("GET", "/api/admin/models", () => ({ json: state.models }));
  api.on("GET", "/api/admin/training-runs", () => ({ json: state.runs }));
  api.on("GET", "/api/admin/workers", () => ({ json: state.workers ?? CONNECTED }));
  return state;
}

async function openAdmin(state: AdminState) {
  const api = mockFetch();
  signedIn(api, ADMIN);
  serveAdmin(api, state);
  const rendered = renderApp("/admin");
  await screen.findByRole("heading", { name: "Administration" });
  return { api, state, ...rendered };
}

const modelsTable = () => within(screen.getByRole("region", { name: "Models" }));
const runsTable = () => within(screen.getByRole("region", { name: "Training runs" }));
const workersTable = () => within(screen.getByRole("region", { name: "Workers" }));

describe("the admin page", () => {
  it("lists the models with their test-split F1; the active one cannot be promoted again", async () => {
    await openAdmin({
      models: [model(), model({ version: "tsunet-20251120", status: ModelStatus.candidate, activated_at: null })],
      runs: [],
    });
    const active = await modelsTable().findByRole("row", { name: /tsunet-v1/ });
    expect(within(active).getByText("active")).toBeInTheDocument();
    expect(within(active).getByText("0.761")).toBeInTheDocument();
    expect(within(active).getByText("0.491")).toBeInTheDocument();
    expect(within(active).getByText("0.814")).toBeInTheDocument();
    expect(within(active).getByText("312 k")).toBeInTheDocument();
    expect(within(active).getByText("11.6 h")).toBeInTheDocument();
    expect(within(active).queryByRole("button", { name: /Promote/ })).not.toBeInTheDocument();
    const candidate = modelsTable().getByRole("row", { name: /tsunet-20251120/ });
    expect(within(candidate).getByText("candidate")).toBeInTheDocument();
    expect(within(candidate).getByRole("button", { name: "Promote tsunet-20251120" })).toBeEnabled();
    expect(screen.getByText("No training runs yet.")).toBeInTheDocument();
  });

  it("promotes a candidate after confirming", async () => {
    const { api, state, user } = await openAdmin({
      models: [model(), model({ version: "tsunet-20251120", status: ModelStatus.candidate, activated_at: null })],
      runs: [],
    });
    api.on("POST", "/api/admin/models/tsunet-20251120/promote", () => {
      state.models = [
        model({ status: ModelStatus.retired }),
        model({ version: "tsunet-20251120", status: ModelStatus.active, activated_at: "2025-11-21T08:00:00Z" }),
      ];
      return { json: state.models[1] };
    });
    await user.click(await screen.findByRole("button", { name: "Promote tsunet-20251120" }));
    const dialog = screen.getByRole("alertdialog", { name: "Promote tsunet-20251120?" });
    await user.click(within(dialog).getByRole("button", { name: "Promote" }));
    expect(await screen.findByText(/tsunet-20251120 is now the active ensemble model/)).toBeInTheDocument();
    expect(api.callsTo("POST", "/api/admin/models/tsunet-20251120/promote")).toHaveLength(1);
    await waitFor(() =>
      expect(within(modelsTable().getByRole("row", { name: /tsunet-v1/ })).getByText("retired")).toBeInTheDocument(),
    );
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });

  it("does nothing when the promotion is cancelled", async () => {
    const { api, user } = await openAdmin({
      models: [model(), model({ version: "tsunet-20251120", status: ModelStatus.candidate, activated_at: null })],
      runs: [],
    });
    await user.click(await screen.findByRole("button", { name: "Promote tsunet-20251120" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(api.callsTo("POST", /promote/)).toHaveLength(0);
  });

  it("rolls back the ensemble model, and says why when it cannot", async () => {
    const { api, user } = await openAdmin({
      models: [
        model({ version: "tsunet-2", activated_at: "2025-11-21T08:00:00Z" }),
        model({ status: ModelStatus.retired }),
      ],
      runs: [],
    });
    api.on("POST", "/api/admin/models/rollback", { json: model() });
    await user.click(await screen.findByRole("button", { name: "Roll back ensemble" }));
    const dialog = screen.getByRole("alertdialog", { name: "Roll back the active ensemble model?" });
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByText("Rolled back: tsunet-v1 is the active ensemble model again.")).toBeInTheDocument();
    expect(api.callsTo("POST", "/api/admin/models/rollback").map((c) => c.url)).toEqual([
      "/api/admin/models/rollback?instrument=ensemble",
    ]);

    api.on("POST", "/api/admin/models/rollback", { status: 409, json: { detail: "no earlier model to roll back to" } });
    await user.click(screen.getByRole("button", { name: "Roll back ensemble" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("no earlier model to roll back to");
  });

  it("cannot roll back when no model served before, and offers no piano rollback without piano models", async () => {
    await openAdmin({ models: [model()], runs: [] });
    await modelsTable().findByRole("row", { name: /tsunet-v1/ });
    expect(screen.getByRole("button", { name: "Roll back ensemble" })).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Roll back piano" })).not.toBeInTheDocument();
  });

  it("shows each model's instrument, and rolls back the piano model alone", async () => {
    const { api, state, user } = await openAdmin({
      models: [
        model(),
        model({ version: "piano-2", instrument: ModelInstrument.piano, activated_at: "2025-11-22T08:00:00Z" }),
        model({ version: "piano-1", instrument: ModelInstrument.piano, status: ModelStatus.retired }),
      ],
      runs: [],
    });
    const ensemble = await modelsTable().findByRole("row", { name: /tsunet-v1/ });
    expect(within(ensemble).getByText("Ensemble")).toBeInTheDocument();
    expect(within(modelsTable().getByRole("row", { name: /piano-2/ })).getByText("Piano")).toBeInTheDocument();
    // the ensemble has no earlier model; the piano has one
    expect(screen.getByRole("button", { name: "Roll back ensemble" })).toBeDisabled();

    api.on("POST", "/api/admin/models/rollback", () => {
      state.models = [
        model(),
        model({ version: "piano-2", instrument: ModelInstrument.piano, status: ModelStatus.retired }),
        model({ version: "piano-1", instrument: ModelInstrument.piano, activated_at: "2025-11-23T08:00:00Z" }),
      ];
      return { json: state.models[2] };
    });
    await user.click(screen.getByRole("button", { name: "Roll back piano" }));
    const dialog = screen.getByRole("alertdialog", { name: "Roll back the active piano model?" });
    expect(dialog).toHaveTextContent("go back to the piano model that was active before this one");
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByText("Rolled back: piano-1 is the active piano model again.")).toBeInTheDocument();
    expect(api.callsTo("POST", "/api/admin/models/rollback").map((c) => c.url)).toEqual([
      "/api/admin/models/rollback?instrument=piano",
    ]);
    await waitFor(() =>
      expect(within(modelsTable().getByRole("row", { name: /piano-2/ })).getByText("retired")).toBeInTheDocument(),
    );
    expect(within(modelsTable().getByRole("row", { name: /tsunet-v1/ })).getByText("active")).toBeInTheDocument();
  });

  it("lists training runs with their progress and metrics beside the serving model's", async () => {
    await openAdmin({
      models: [model()],
      runs: [
        run(),
        run({
          id: "run-0",
          status: TrainingRunStatus.succeeded,
          epoch: 6,
          test_note_f1: 0.7512,
          active_note_f1: 0.7606,
          model_version: "tsunet-20251119",
          instrument: ModelInstrument.piano,
          created_at: "2025-11-19T10:00:00Z",
        }),
        run({
          id: "run-x",
          status: TrainingRunStatus.failed,
          error: "no corpus at /data/nowhere",
          created_at: "2025-11-18T10:00:00Z",
        }),
      ],
    });
    const rows = (await runsTable().findAllByRole("row")).slice(1);
    expect(rows).toHaveLength(3);
    expect(within(rows[0]).getByText("running")).toBeInTheDocument();
    expect(within(rows[0]).getByText("Ensemble")).toBeInTheDocument();
    expect(within(rows[1]).getByText("Piano")).toBeInTheDocument();
    expect(within(rows[0]).getByText("2 / 6")).toBeInTheDocument();
    expect(within(rows[0]).getByText("0.083")).toBeInTheDocument();
    expect(within(rows[0]).getByText("0.701")).toBeInTheDocument();
    expect(within(rows[0]).getByRole("button", { name: /^Cancel the run/ })).toBeInTheDocument();
    expect(within(rows[1]).getByText("0.751")).toBeInTheDocument();
    expect(within(rows[1]).getByText("0.761")).toBeInTheDocument();
    expect(within(rows[1]).getByText("tsunet-20251119 (candidate)")).toBeInTheDocument();
    expect(within(rows[1]).queryByRole("button")).not.toBeInTheDocument();
    expect(within(rows[2]).getByText("no corpus at /data/nowhere")).toBeInTheDocument();
    expect(within(rows[2]).getByRole("button", { name: /^Resume the run/ })).toBeInTheDocument();
  });

  it("starts a training run from the form", async () => {
    const { api, state, user } = await openAdmin({ models: [model()], runs: [] });
    api.on("POST", "/api/admin/training-runs", (call) => {
      const body = JSON.parse(String(call.body));
      state.runs = [
        run({ ...body, id: "run-new", status: TrainingRunStatus.queued, epoch: 0, loss: null, val_note_f1: null }),
      ];
      return { status: 202, json: state.runs[0] };
    });
    const start = await screen.findByRole("button", { name: "Start training" });
    expect(start).toBeDisabled(); // no folder yet
    expect(screen.getByLabelText("Instrument")).toHaveValue("ensemble");
    await user.selectOptions(screen.getByLabelText("Instrument"), "piano");
    await user.selectOptions(screen.getByLabelText("Data"), "musicnet");
    await user.type(screen.getByLabelText("Folder"), "/data/musicnet");
    await user.clear(screen.getByLabelText("Epochs"));
    await user.type(screen.getByLabelText("Epochs"), "2");
    await user.clear(screen.getByLabelText("Steps per epoch"));
    await user.type(screen.getByLabelText("Steps per epoch"), "50");
    await user.click(start);
    expect(await screen.findByText("Training run queued: piano model, musicnet, 2 epochs.")).toBeInTheDocument();
    const [call] = api.callsTo("POST", "/api/admin/training-runs");
    expect(call.headers.get("Authorization")).toBe("Bearer token-1");
    expect(JSON.parse(String(call.body))).toEqual({
      instrument: "piano",
      dataset: "musicnet",
      path: "/data/musicnet",
      epochs: 2,
      steps_per_epoch: 50,
    });
    const queued = await runsTable().findByRole("row", { name: /queued/ });
    expect(within(queued).getByText("Piano")).toBeInTheDocument();
  });

  it("trains the ensemble model unless told otherwise", async () => {
    const { api, user } = await openAdmin({ models: [model()], runs: [] });
    api.on("POST", "/api/admin/training-runs", { status: 202, json: run({ status: TrainingRunStatus.queued }) });
    await user.type(await screen.findByLabelText("Folder"), "/data/corpus");
    await user.click(screen.getByRole("button", { name: "Start training" }));
    expect(await screen.findByText("Training run queued: ensemble model, synthetic, 6 epochs.")).toBeInTheDocument();
    const [call] = api.callsTo("POST", "/api/admin/training-runs");
    expect(JSON.parse(String(call.body))).toMatchObject({ instrument: "ensemble", dataset: "synthetic" });
  });

  it("shows why a run could not start", async () => {
    const { api, user } = await openAdmin({ models: [model()], runs: [] });
    api.on("POST", "/api/admin/training-runs", {
      status: 422,
      json: { detail: [{ msg: "Input should be less than or equal to 1000" }] },
    });
    await user.type(await screen.findByLabelText("Folder"), "/data/corpus");
    await user.click(screen.getByRole("button", { name: "Start training" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Input should be less than or equal to 1000");
  });

  it("lists the transcription workers with their model, and the trainers", async () => {
    await openAdmin({
      models: [model()],
      runs: [],
      workers: {
        workers: [worker(), worker({ name: "celery@host-c", model_version: null, model_error: "no model file" })],
        trainers: [worker({ name: "trainer@host-b", model_version: null })],
      },
    });
    const first = await workersTable().findByRole("row", { name: /celery@host-a/ });
    expect(within(first).getByText("transcriptions")).toBeInTheDocument();
    expect(within(first).getByText("tsunet-v1")).toBeInTheDocument();
    expect(
      within(workersTable().getByRole("row", { name: /celery@host-c/ })).getByText("no model file"),
    ).toBeInTheDocument();
    const trainer = workersTable().getByRole("row", { name: /trainer@host-b/ });
    expect(within(trainer).getByText("training runs")).toBeInTheDocument();
    expect(screen.queryByText(/No trainer is connected/)).not.toBeInTheDocument();
    expect(screen.queryByText(/No transcription worker is connected/)).not.toBeInTheDocument();
  });

  it("says plainly when no trainer is connected, and a queued run waits for one", async () => {
    await openAdmin({
      models: [model()],
      runs: [run({ status: TrainingRunStatus.queued, epoch: 0, started_at: null })],
      workers: { workers: [worker()], trainers: [] },
    });
    expect(
      await runsTable().findByText(
        "No trainer is connected: training runs wait until one starts (make up starts one; in compose, the trainer service).",
      ),
    ).toBeInTheDocument();
    const [queued] = runsTable().getAllByRole("row").slice(1);
    expect(within(queued).getByText("queued")).toBeInTheDocument();
    expect(within(queued).getByText("waiting for a trainer")).toBeInTheDocument();
  });

  it("a queued run does not wait for a trainer when one is connected", async () => {
    await openAdmin({ models: [model()], runs: [run({ status: TrainingRunStatus.queued, epoch: 0 })] });
    await workersTable().findByRole("row", { name: /trainer@host-b/ });
    expect(runsTable().getByText("queued")).toBeInTheDocument();
    expect(runsTable().queryByText("waiting for a trainer")).not.toBeInTheDocument();
    expect(screen.queryByText(/No trainer is connected/)).not.toBeInTheDocument();
  });

  it("says when no transcription worker is connected", async () => {
    await openAdmin({ models: [model()], runs: [], workers: { workers: [], trainers: [] } });
    expect(
      await workersTable().findByText(
        "No transcription worker is connected: uploads wait in the queue until one starts.",
      ),
    ).toBeInTheDocument();
  });

  it("cancels a running run and resumes a cancelled one", async () => {
    const { api, state, user } = await openAdmin({ models: [model()], runs: [run()] });
    api.on("POST", "/api/admin/training-runs/run-1/cancel", () => {
      state.runs = [run({ status: TrainingRunStatus.cancelled })];
      return { json: state.runs[0] };
    });
    api.on("POST", "/api/admin/training-runs/run-1/resume", () => {
      state.runs = [run({ status: TrainingRunStatus.queued })];
      return { status: 202, json: state.runs[0] };
    });
    await user.click(await screen.findByRole("button", { name: /^Cancel the run/ }));
    expect(await screen.findByText("The run is cancelled.")).toBeInTheDocument();
    await user.click(await screen.findByRole("button", { name: /^Resume the run/ }));
    expect(await screen.findByText(/The run is queued again/)).toBeInTheDocument();
    expect(api.callsTo("POST", "/api/admin/training-runs/run-1/cancel")).toHaveLength(1);
    expect(api.callsTo("POST", "/api/admin/training-runs/run-1/resume")).toHaveLength(1);
  });
});

describe("for someone who is not an administrator", () => {
  it("has no admin link, and /admin is not allowed (and asks the API nothing)", async () => {
    const api = mockFetch();
    signedIn(api, USER);
    renderApp("/admin");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "History" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Admin" })).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c.url.includes("/api/admin"))).toHaveLength(0);
  });

  it("an administrator has the admin link", async () => {
    const api = mockFetch();
    signedIn(api, ADMIN);
    serveAdmin(api, { models: [model()], runs: [] });
    const { user } = renderApp("/history");
    api.on("GET", /^\/api\/jobs\?/, { json: { data: [], count: 0 } });
    await user.click(await screen.findByRole("link", { name: "Admin" }));
    expect(await screen.findByRole("heading", { name: "Administration" })).toBeInTheDocument();
  });
});
