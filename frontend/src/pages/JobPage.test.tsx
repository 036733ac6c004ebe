import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { createRecordingPlayer } from "../playback/recordingPlayer";
import { createTranscriptionPlayer } from "../playback/transcriptionPlayer";
import { makeJob, mockFetch, signedIn, type FetchMock } from "../test/api";
import { fakePlayer } from "../test/fakePlayers";
import { FakeOsmd, osmdInstances } from "../test/fakeOsmd";
import { arpeggioMidi, MUSICXML, TIME_MAP } from "../test/fixtures";
import { renderApp } from "../test/render";
import { Instrument, JobStage, JobStatus } from "../api/types";

vi.mock("opensheetmusicdisplay", () => ({ OpenSheetMusicDisplay: FakeOsmd }));
vi.mock("../playback/transcriptionPlayer", () => ({ createTranscriptionPlayer: vi.fn() }));
vi.mock("../playback/recordingPlayer", () => ({ createRecordingPlayer: vi.fn() }));

const job = makeJob({ duration_s: 4 });

function serveArtifacts(api: FetchMock) {
  api
    .on("GET", `/api/jobs/${job.id}/midi`, { body: arpeggioMidi(), headers: { "Content-Type": "audio/midi" } })
    .on("GET", `/api/jobs/${job.id}/musicxml`, { body: MUSICXML })
    .on("GET", `/api/jobs/${job.id}/timemap`, { json: TIME_MAP })
    .on("GET", `/api/jobs/${job.id}/audio`, { body: "RIFF", headers: { "Content-Type": "audio/wav" } })
    .on("GET", `/api/jobs/${job.id}/revisions`, { json: { data: [], count: 0 } });
}

describe("the job page", () => {
  afterEach(() => vi.useRealTimers());

  it("follows a running job until it is done, then stops asking", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const states = [
      makeJob({ status: JobStatus.queued, stage: JobStage.queued, progress: 0 }),
      makeJob({ status: JobStatus.running, stage: JobStage.transcribing, progress: 0.5 }),
      makeJob({ status: JobStatus.running, stage: JobStage.notation, progress: 0.9 }),
      job,
    ];
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    let asked = 0;
    api.on("GET", `/api/jobs/${job.id}`, () => ({ json: states[Math.min(asked++, states.length - 1)] }));
    renderApp(`/jobs/${job.id}`);

    expect(await screen.findByText("Waiting in the queue…")).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(await screen.findByText("Finding the notes…")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Transcription progress" })).toHaveAttribute("aria-valuenow", "50");
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(await screen.findByText("Writing the score…")).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(await screen.findByRole("heading", { name: job.title! })).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Play" })).toBeInTheDocument();

    const polls = api.callsTo("GET", `/api/jobs/${job.id}`).length;
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(api.callsTo("GET", `/api/jobs/${job.id}`)).toHaveLength(polls);
  });

  it("a failed job shows its reason and a way to try another file", async () => {
    const api = mockFetch();
    signedIn(api);
    api.on("GET", `/api/jobs/${job.id}`, {
      json: makeJob({ status: JobStatus.failed, stage: JobStage.failed, error: "The audio could not be decoded." }),
    });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByRole("alert")).toHaveTextContent("The audio could not be decoded.");
    expect(screen.getByRole("link", { name: "Try another file" })).toHaveAttribute("href", "/");
  });

  it("another user's job (404) is not found", async () => {
    const api = mockFetch();
    signedIn(api);
    api.on("GET", `/api/jobs/${job.id}`, { status: 404, json: { detail: "job not found" } });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByRole("heading", { name: "Transcription not found" })).toBeInTheDocument();
  });

  it("draws the score and the piano roll of a finished job", async () => {
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: job });
    renderApp(`/jobs/${job.id}`);
    const sheet = await screen.findByTestId("score-sheet");
    await waitFor(() => expect(sheet).toHaveAttribute("data-state", "ready"));
    expect(sheet.querySelector("svg")).not.toBeNull();
    expect(await screen.findByRole("img", { name: "Piano roll: 4 notes from C4 to C5" })).toBeInTheDocument();
    expect(screen.getByText("812 notes")).toBeInTheDocument();
  });

  it("writes the score for a B♭ instrument: the transposed MusicXML is drawn and the score downloads follow", async () => {
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    const written = MUSICXML.replace("<work-title>", "<work-title>B♭ ");
    api.on("GET", `/api/jobs/${job.id}`, { json: job });
    api.on("GET", /\/musicxml\?transpose=Bb&revision=0$/, { body: written });
    api.on("GET", /\/pdf\?transpose=Bb&revision=0$/, { body: "%PDF-", headers: { "Content-Type": "application/pdf" } });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { user } = renderApp(`/jobs/${job.id}`);
    const sheet = await screen.findByTestId("score-sheet");
    await waitFor(() => expect(sheet).toHaveAttribute("data-state", "ready"));

    await user.selectOptions(screen.getByRole("combobox", { name: "Written for" }), "Bb");
    await waitFor(() => expect(osmdInstances.at(-1)!.load).toHaveBeenCalledWith(written));
    await waitFor(() => expect(sheet).toHaveAttribute("data-state", "ready"));
    expect(screen.getByText(/MusicXML and PDF written for: B♭ instruments/)).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Download PDF" }));
    await waitFor(() => expect(api.callsTo("GET", `/api/jobs/${job.id}/pdf?transpose=Bb&revision=0`)).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Download MIDI" }));
    await waitFor(() => expect(api.callsTo("GET", `/api/jobs/${job.id}/midi`)).toHaveLength(2)); // playback's, then this
    // the performance is not transposed
    expect(api.calls.filter((c) => c.url.includes("/midi?") && c.url.includes("transpose"))).toHaveLength(0);
    click.mockRestore();
  });

  it("says why a transposition failed and keeps the choice", async () => {
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: job });
    api.on("GET", /\/musicxml\?transpose=-P8&revision=0$/, {
      status: 422,
      json: { detail: "-P8 moves notes outside MIDI's range" },
    });
    const { user } = renderApp(`/jobs/${job.id}`);
    await waitFor(() => expect(screen.getByTestId("score-sheet")).toHaveAttribute("data-state", "ready"));
    await user.selectOptions(screen.getByRole("combobox", { name: "Written for" }), "-P8");
    expect(await screen.findByText(/The score could not be transposed: -P8 moves notes/)).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Written for" })).toHaveValue("-P8");
  });

  it("a recording without notes says so instead of drawing an empty score; its files can still be downloaded", async () => {
    const silent = makeJob({ note_count: 0 });
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: silent });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByText("No notes were found in this recording.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download MIDI" })).toBeInTheDocument();
    expect(screen.queryByTestId("score-sheet")).not.toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Score" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Play" })).not.toBeInTheDocument();
    expect(api.callsTo("GET", `/api/jobs/${job.id}/musicxml`)).toHaveLength(0);
  });

  it("shows the instrument asked beside the model that made the transcription", async () => {
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, {
      json: makeJob({ instrument: Instrument.piano, model_version: "tsunet-v1" }),
    });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByText("Piano · model tsunet-v1")).toBeInTheDocument();
  });

  it("shows the instrument asked while the job waits for a model", async () => {
    const api = mockFetch();
    signedIn(api);
    api.on("GET", `/api/jobs/${job.id}`, {
      json: makeJob({
        status: JobStatus.queued,
        stage: JobStage.queued,
        progress: 0,
        instrument: Instrument.ensemble,
        model_version: null,
      }),
    });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByText("Instrument: Ensemble")).toBeInTheDocument();
  });

  it("shows the name exactly as the user gave it", async () => {
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: makeJob({ title: 'Åse\'s "Death" – Grieg', filename: "åse.wav" }) });
    renderApp(`/jobs/${job.id}`);
    expect(await screen.findByRole("heading", { name: 'Åse\'s "Death" – Grieg' })).toBeInTheDocument();
    expect(screen.queryByText(/%22|%C3/)).not.toBeInTheDocument();
  });

  it("plays the transcription and switches to the original at the same place", async () => {
    const transcription = fakePlayer(4);
    const recording = fakePlayer(4);
    vi.mocked(createTranscriptionPlayer).mockResolvedValue(transcription);
    vi.mocked(createRecordingPlayer).mockReturnValue(recording);
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: job });
    const { user } = renderApp(`/jobs/${job.id}`);

    await user.click(await screen.findByRole("button", { name: "Play" }));
    expect(await screen.findByRole("button", { name: "Pause" })).toBeInTheDocument();
    expect(transcription.play).toHaveBeenCalled();
    const notes = vi.mocked(createTranscriptionPlayer).mock.calls[0][0];
    expect(notes.map((n) => n.pitch)).toEqual([60, 64, 67, 72]);

    transcription.now = 1.5;
    await waitFor(() => expect(screen.getByTestId("playback-time")).toHaveTextContent("0:01"));
    expect(screen.getByTestId("piano-roll-playhead").style.transform).toMatch(/translateX\(\d+/);

    await user.click(screen.getByRole("radio", { name: "Original recording" }));
    await waitFor(() => expect(recording.play).toHaveBeenCalled());
    expect(transcription.pause).toHaveBeenCalled();
    expect(recording.seek).toHaveBeenLastCalledWith(1.5);
    expect(api.callsTo("GET", `/api/jobs/${job.id}/audio`)[0].headers.get("Authorization")).toBe("Bearer token-1");

    fireEvent.change(screen.getByRole("slider", { name: "Tempo" }), { target: { value: "0.75" } });
    expect(recording.setRate).toHaveBeenLastCalledWith(0.75);
    expect(screen.getByText("75%")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Pause" }));
    expect(recording.pause).toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Play" })).toBeInTheDocument();
  });

  it("corrects a note, saves the corrections and shows the revision once it is made, or why it failed", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = mockFetch();
    signedIn(api);
    serveArtifacts(api);
    api.on("GET", `/api/jobs/${job.id}`, { json: job });
    const revision = {
      number: 1,
      status: JobStatus.running,
      progress: 0.4,
      error: null,
      note_count: null,
      edits: [{ op: "change", index: 0, pitch: 61 }],
      created_at: "2026-12-06T21:00:00Z",
      finished_at: null,
    };
    let listed: object[] = [];
    api.on("GET", `/api/jobs/${job.id}/revisions`, () => ({ json: { data: listed, count: listed.length } }));
    api.on("POST", `/api/jobs/${job.id}/revisions`, { status: 202, json: revision });
    const corrected = MUSICXML.replace("<work-title>", "<work-title>Corrected ");
    api.on("GET", /\/musicxml\?revision=1$/, { body: corrected });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { user } = renderApp(`/jobs/${job.id}`);
    const roll = await screen.findByRole("img", { name: /Piano roll: 4 notes/ });
    const save = screen.getByRole("button", { name: "Save corrections" });
    expect(save).toBeDisabled();

    // the roll is 60 px a second from C4 - 6 to C5 + 6, 7 px a row: the first note (C4 at 0 s) is at y 126..133
    fireEvent.pointerDown(roll, { clientX: 10, clientY: 129, button: 0, pointerId: 1, isPrimary: true });
    fireEvent.pointerUp(window, { pointerId: 1 });
    fireEvent.click(roll, { clientX: 10, clientY: 129 });
    expect(screen.getByText(/Selected: C4 at 0.00 s/)).toBeInTheDocument();
    fireEvent.keyDown(screen.getByRole("region", { name: "Piano roll (scrolls sideways)" }), { key: "ArrowUp" });
    expect(screen.getByText(/Selected: C♯4 at 0.00 s/)).toBeInTheDocument();
    expect(screen.getByText("Unsaved corrections.")).toBeInTheDocument();
    const region = screen.getByRole("region", { name: "Piano roll (scrolls sideways)" });
    fireEvent.keyDown(region, { key: "z", ctrlKey: true });
    expect(screen.getByText(/Selected: C4 at 0.00 s/)).toBeInTheDocument();
    expect(save).toBeDisabled();
    fireEvent.keyDown(region, { key: "Z", ctrlKey: true, shiftKey: true });
    expect(screen.getByText(/Selected: C♯4 at 0.00 s/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(screen.getByText(/Selected: C4 at 0.00 s/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Redo" }));
    expect(screen.getByText(/Selected: C♯4 at 0.00 s/)).toBeInTheDocument();

    await user.click(save);
    const [post] = api.callsTo("POST", `/api/jobs/${job.id}/revisions`);
    expect(JSON.parse(post.body as string)).toEqual({ edits: [{ op: "change", index: 0, pitch: 61 }] });
    expect(await screen.findByRole("progressbar", { name: "Making revision 1 from your corrections" })).toHaveAttribute(
      "aria-valuenow",
      "40",
    );

    // while it is being made the list is asked for several times a second: a correction takes seconds
    listed = [revision];
    const asked = () => api.callsTo("GET", `/api/jobs/${job.id}/revisions`).length;
    const before = asked();
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(asked() - before).toBeGreaterThanOrEqual(3);

    expect(screen.getByText("812 notes")).toBeInTheDocument(); // the job's, until a revision is made
    listed = [{ ...revision, status: JobStatus.succeeded, progress: 1, note_count: 5 }];
    await act(() => vi.advanceTimersByTimeAsync(1500));
    await waitFor(() => expect(osmdInstances.at(-1)!.load).toHaveBeenCalledWith(corrected));
    expect(screen.getByText("5 notes")).toBeInTheDocument(); // the revision's count
    expect(screen.getByText("Showing revision 1, with your corrections.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Download MIDI" }));
    await waitFor(() => expect(api.callsTo("GET", `/api/jobs/${job.id}/midi?revision=1`)).toHaveLength(1));

    // a second set that fails: the reason, and the page stays on revision 1
    fireEvent.keyDown(screen.getByRole("region", { name: "Piano roll (scrolls sideways)" }), { key: "Delete" });
    api.on("POST", `/api/jobs/${job.id}/revisions`, {
      status: 202,
      json: { ...revision, number: 2, status: JobStatus.queued },
    });
    await user.click(screen.getByRole("button", { name: "Save corrections" }));
    listed = [listed[0], { ...revision, number: 2, status: JobStatus.failed, error: "the worker stopped" }];
    await act(() => vi.advanceTimersByTimeAsync(1500));
    expect(
      await screen.findByText(/Revision 2 could not be made: the worker stopped. The page shows revision 1/),
    ).toBeInTheDocument();
    click.mockRestore();
  });
});
