import { screen, waitFor, within } from "@testing-library/react";
import { Instrument, type JobPublic, JobStatus } from "../api/types";
import { makeJob, mockFetch, signedIn, type FetchMock } from "../test/api";
import { renderApp } from "../test/render";

function jobs(n: number): JobPublic[] {
  return Array.from({ length: n }, (_, i) =>
    makeJob({
      id: `job-${i + 1}`,
      title: i === 1 ? "" : `Piece ${i + 1}`,
      filename: `piece-${i + 1}.wav`,
      duration_s: 60 + i,
      status: i === 2 ? JobStatus.failed : JobStatus.succeeded,
      instrument: i === 0 ? Instrument.piano : Instrument.auto,
      model_version: i === 2 ? null : "tsunet-v1",
      created_at: new Date(Date.UTC(2025, 10, 20 - i, 10)).toISOString(),
    }),
  );
}

/** Serves GET /api/jobs from a list (newest first), honouring limit, offset and q. */
function serveJobs(api: FetchMock, all: JobPublic[]) {
  let list = [...all];
  api.on("GET", /^\/api\/jobs\?/, (call) => {
    const params = new URL(call.url, "http://x").searchParams;
    const q = (params.get("q") ?? "").toLowerCase();
    const matching = list.filter((j) => !q || `${j.title} ${j.filename}`.toLowerCase().includes(q));
    const offset = Number(params.get("offset"));
    return { json: { data: matching.slice(offset, offset + Number(params.get("limit"))), count: matching.length } };
  });
  api.on("DELETE", /^\/api\/jobs\/[^/?]+$/, (call) => {
    const id = call.url.split("/").pop();
    list = list.filter((j) => j.id !== id);
    return { status: 204 };
  });
}

async function openHistory(all: JobPublic[]) {
  const api = mockFetch();
  signedIn(api);
  serveJobs(api, all);
  const rendered = renderApp("/history");
  await screen.findByRole("heading", { name: "History" });
  return { api, ...rendered };
}

describe("the history page", () => {
  it("lists the transcriptions newest first with title, date, duration, instrument and status", async () => {
    await openHistory(jobs(3));
    const items = await screen.findAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(within(items[0]).getByRole("link", { name: "Piece 1" })).toHaveAttribute("href", "/jobs/job-1");
    expect(within(items[0]).getByText("1:00")).toBeInTheDocument();
    expect(within(items[0]).getByText("Ready")).toBeInTheDocument();
    expect(within(items[0]).getByText("Piano · model tsunet-v1")).toBeInTheDocument();
    expect(within(items[2]).getByText("Auto")).toBeInTheDocument();
    expect(within(items[0]).getByRole("time")).toHaveAttribute("dateTime", "2025-11-20T10:00:00.000Z");
    // no title: called by its file
    expect(within(items[1]).getByRole("link", { name: "piece-2.wav" })).toBeInTheDocument();
    expect(within(items[2]).getByText("Failed")).toBeInTheDocument();
    expect(screen.getByText("3 transcriptions")).toBeInTheDocument();
  });

  it("shows titles and file names exactly as the user gave them", async () => {
    await openHistory([
      makeJob({ id: "job-q", title: 'Prelude "in C"', filename: 'take "1".wav' }),
      makeJob({ id: "job-u", title: "", filename: "Gymnopédie – Satie 日本.mp3" }),
    ]);
    const [quoted, unicode] = await screen.findAllByRole("listitem");
    expect(within(quoted).getByRole("link", { name: 'Prelude "in C"' })).toBeInTheDocument();
    expect(within(quoted).getByText('take "1".wav')).toBeInTheDocument();
    expect(within(unicode).getByRole("link", { name: "Gymnopédie – Satie 日本.mp3" })).toBeInTheDocument();
    expect(screen.queryByText(/%22|%C3/)).not.toBeInTheDocument();
  });

  it("searches by title", async () => {
    const { api, user } = await openHistory(jobs(12));
    await user.type(screen.getByRole("searchbox", { name: "Search your transcriptions" }), "piece 11");
    expect(await screen.findByRole("link", { name: "Piece 11" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(1));
    expect(api.calls.some((c) => c.url.includes("q=piece+11"))).toBe(true);
    expect(window.location.search).toBe("?q=piece+11");
  });

  it("says when nothing matches, and when there is nothing yet", async () => {
    const { user } = await openHistory([]);
    expect(await screen.findByText(/No transcriptions yet/)).toBeInTheDocument();
    await user.type(screen.getByRole("searchbox"), "zzz");
    expect(await screen.findByText("No transcriptions match “zzz”.")).toBeInTheDocument();
  });

  it("pages through a long history", async () => {
    const { api, user } = await openHistory(jobs(23));
    expect(await screen.findByText("Page 1 of 3")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Page 2 of 3")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Piece 11" })).toBeInTheDocument();
    expect(api.calls.some((c) => c.url.includes("limit=10&offset=10"))).toBe(true);
  });

  it("deletes a transcription after confirmation", async () => {
    const { api, user } = await openHistory(jobs(3));
    await user.click(await screen.findByRole("button", { name: "Delete “Piece 1”" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete this transcription?" });
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Deleted “Piece 1”.")).toBeInTheDocument();
    expect(api.callsTo("DELETE", "/api/jobs/job-1")).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole("link", { name: "Piece 1" })).not.toBeInTheDocument());
    expect(screen.getAllByRole("listitem")).toHaveLength(2);
  });

  it("keeps the transcription when the deletion is cancelled (Escape)", async () => {
    const { api, user } = await openHistory(jobs(2));
    const deleteButton = await screen.findByRole("button", { name: "Delete “Piece 1”" });
    await user.click(deleteButton);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(deleteButton).toHaveFocus();
    expect(api.callsTo("DELETE", "/api/jobs/job-1")).toHaveLength(0);
  });
});
