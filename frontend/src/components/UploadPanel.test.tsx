import { act, fireEvent, screen } from "@testing-library/react";
import { FakeXhr, installFakeXhr, makeJob, mockFetch, signedIn } from "../test/api";
import { renderApp } from "../test/render";
import { Instrument, JobStage, JobStatus } from "../api/types";

function audioFile(name = "etude.wav", type = "audio/wav", size = 2_000_000): File {
  const file = new File(["RIFF"], name, { type });
  Object.defineProperty(file, "size", { value: size });
  return file;
}

async function openUpload() {
  const api = mockFetch();
  signedIn(api);
  api.on("GET", "/api/limits", { json: { max_upload_mb: 100, max_audio_minutes: 20 } });
  installFakeXhr();
  const rendered = renderApp("/");
  await screen.findByRole("heading", { name: "New transcription" });
  await screen.findByText(/Up to 100 MB/);
  return { api, ...rendered };
}

describe("UploadPanel", () => {
  it("uploads with a progress bar, then opens the job page", async () => {
    const { api, user } = await openUpload();
    const job = makeJob({ status: JobStatus.queued, stage: JobStage.queued, progress: 0, title: "Etude" });
    api.on("GET", `/api/jobs/${job.id}`, { json: job });

    await user.upload(screen.getByLabelText("Choose a file"), audioFile());
    await user.type(screen.getByLabelText(/Title/), "Etude");
    await user.click(screen.getByRole("button", { name: "Transcribe" }));

    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/jobs");
    expect(xhr.headers.Authorization).toBe("Bearer token-1");
    expect((xhr.body!.get("file") as File).name).toBe("etude.wav");
    expect(xhr.body!.get("title")).toBe("Etude");
    expect(xhr.body!.get("instrument")).toBe("auto");

    act(() => xhr.progress(500_000, 2_000_000));
    expect(screen.getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "25");

    act(() => xhr.respond(202, job));
    expect(await screen.findByText("Waiting in the queue…")).toBeInTheDocument();
    expect(window.location.pathname).toBe(`/jobs/${job.id}`);
  });

  it("sends the instrument chosen, Auto unless told otherwise", async () => {
    const { user } = await openUpload();
    const group = screen.getByRole("group", { name: "Instrument" });
    expect(group).toHaveAccessibleDescription(/Piano: solo piano recordings/);
    expect(screen.getByRole("radio", { name: "Auto" })).toBeChecked();
    await user.click(screen.getByRole("radio", { name: "Piano" }));
    expect(screen.getByRole("radio", { name: "Piano" })).toBeChecked();

    await user.upload(screen.getByLabelText("Choose a file"), audioFile());
    await user.click(screen.getByRole("button", { name: "Transcribe" }));
    expect(FakeXhr.last!.body!.get("instrument")).toBe(Instrument.piano);
    expect(screen.getByRole("radio", { name: "Ensemble" })).toBeDisabled(); // while the file goes out
  });

  it("accepts a dropped file", async () => {
    await openUpload();
    fireEvent.drop(screen.getByTestId("drop-zone"), { dataTransfer: { files: [audioFile("take.mp3", "audio/mpeg")] } });
    expect(await screen.findByText("take.mp3")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Transcribe" })).toBeEnabled();
  });

  it("refuses a file that is not audio before sending it", async () => {
    await openUpload();
    // the picker's `accept` can be bypassed ("All files"), so the panel checks again
    fireEvent.change(screen.getByLabelText("Choose a file"), {
      target: { files: [audioFile("notes.pdf", "application/pdf")] },
    });
    expect(screen.getByRole("alert")).toHaveTextContent("“notes.pdf” is not an audio file");
    expect(screen.getByRole("button", { name: "Transcribe" })).toBeDisabled();
    expect(FakeXhr.last).toBeNull();
  });

  it("refuses a file over 100 MB before sending it", async () => {
    const { user } = await openUpload();
    await user.upload(screen.getByLabelText("Choose a file"), audioFile("long.wav", "audio/wav", 150 * 1024 * 1024));
    expect(screen.getByRole("alert")).toHaveTextContent("the limit is 100 MB");
    expect(FakeXhr.last).toBeNull();
  });

  it("shows the server's reason when it refuses the file", async () => {
    const { user } = await openUpload();
    await user.upload(screen.getByLabelText("Choose a file"), audioFile("fake.wav"));
    await user.click(screen.getByRole("button", { name: "Transcribe" }));
    act(() => FakeXhr.last!.respond(415, { detail: "not an audio file" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("“fake.wav” was not accepted: not an audio file.");
    expect(window.location.pathname).toBe("/");
  });

  it("states the server's limits before a file is chosen", async () => {
    await openUpload();
    expect(screen.getByText("WAV, MP3, FLAC, OGG, M4A… Up to 100 MB and 20 minutes.")).toBeInTheDocument();
  });

  it("says in a sentence when the recording is longer than the limit", async () => {
    const { user } = await openUpload();
    await user.upload(screen.getByLabelText("Choose a file"), audioFile("concert.mp3", "audio/mpeg"));
    await user.click(screen.getByRole("button", { name: "Transcribe" }));
    const detail =
      "The recording is longer than the 20-minute limit (31.5 minutes). Trim it, or split it into parts of at most 20 minutes.";
    act(() => FakeXhr.last!.respond(422, { detail }));
    expect(await screen.findByRole("alert")).toHaveTextContent(`“concert.mp3” was not accepted. ${detail}`);
    expect(window.location.pathname).toBe("/");
  });

  it("says the file was not stored and can be sent again when the queue is down", async () => {
    const { user } = await openUpload();
    await user.upload(screen.getByLabelText("Choose a file"), audioFile());
    await user.click(screen.getByRole("button", { name: "Transcribe" }));
    act(() =>
      FakeXhr.last!.respond(503, {
        detail: "the job queue is unavailable; nothing was stored, please try again in a minute",
      }),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "“etude.wav” could not be queued: the job queue is unavailable; nothing was stored, please try again in a minute.",
    );
    // the file stays chosen: one click sends it again
    expect(screen.getByRole("button", { name: "Transcribe" })).toBeEnabled();
  });

  it("can cancel an upload", async () => {
    const { user } = await openUpload();
    await user.upload(screen.getByLabelText("Choose a file"), audioFile());
    await user.click(screen.getByRole("button", { name: "Transcribe" }));
    await user.click(screen.getByRole("button", { name: "Cancel upload" }));
    expect(FakeXhr.last!.aborted).toBe(true);
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Transcribe" })).toBeEnabled();
  });
});
