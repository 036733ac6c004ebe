import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { makeJob, mockFetch } from "../test/api";
import { DownloadButtons } from "./DownloadButtons";

describe("DownloadButtons", () => {
  it("fetches the file with the token and saves it under the job's title", async () => {
    const job = makeJob({ title: "Etude in C", filename: "take.wav" });
    const api = mockFetch().on("GET", `/api/jobs/${job.id}/midi`, {
      body: "MThd",
      headers: { "Content-Type": "audio/midi" },
    });
    localStorage.setItem("tunescribe.token", "token-1");
    const saved: { name: string; href: string }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, href: this.href });
    });

    render(<DownloadButtons job={job} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Download MIDI" }));

    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0].name).toBe("Etude in C.mid");
    expect(api.callsTo("GET", `/api/jobs/${job.id}/midi`)[0].headers.get("Authorization")).toBe("Bearer token-1");
    click.mockRestore();
  });

  it("uses the server's file name, and the upload's name for the audio", async () => {
    const job = makeJob({ filename: "take.flac" });
    mockFetch()
      .on("GET", `/api/jobs/${job.id}/musicxml`, {
        body: "<score-partwise/>",
        headers: { "Content-Disposition": 'attachment; filename="server-name.musicxml"' },
      })
      .on("GET", `/api/jobs/${job.id}/audio`, { body: "fLaC" });
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const user = userEvent.setup();
    render(<DownloadButtons job={job} />);
    await user.click(screen.getByRole("button", { name: "Download MusicXML" }));
    await waitFor(() => expect(saved).toEqual(["server-name.musicxml"]));
    await user.click(screen.getByRole("button", { name: "Download Original audio" }));
    await waitFor(() => expect(saved).toEqual(["server-name.musicxml", "take.flac"]));
    click.mockRestore();
  });

  it("saves under the name the server encodes in filename*, quotes and accents as given", async () => {
    const job = makeJob({ title: 'Prelude "in C"', filename: "prélude.wav" });
    mockFetch()
      .on("GET", `/api/jobs/${job.id}/midi`, {
        body: "MThd",
        headers: {
          "Content-Disposition": `attachment; filename="Prelude _in C_.mid"; filename*=UTF-8''Prelude%20%22in%20C%22.mid`,
        },
      })
      .on("GET", `/api/jobs/${job.id}/audio`, {
        body: "RIFF",
        headers: { "Content-Disposition": `attachment; filename="prelude.wav"; filename*=UTF-8''pr%C3%A9lude.wav` },
      });
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const user = userEvent.setup();
    render(<DownloadButtons job={job} />);
    await user.click(screen.getByRole("button", { name: "Download MIDI" }));
    await waitFor(() => expect(saved).toEqual(['Prelude "in C".mid']));
    await user.click(screen.getByRole("button", { name: "Download Original audio" }));
    await waitFor(() => expect(saved).toEqual(['Prelude "in C".mid', "prélude.wav"]));
    click.mockRestore();
  });

  it("saves the PDF, and the score files in the key chosen on the score", async () => {
    const job = makeJob({ title: "Etude in C", filename: "take.wav" });
    const api = mockFetch()
      .on("GET", `/api/jobs/${job.id}/pdf`, { body: "%PDF-1.4", headers: { "Content-Type": "application/pdf" } })
      .on("GET", `/api/jobs/${job.id}/musicxml`, { body: "<score-partwise/>" });
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const user = userEvent.setup();
    const { rerender } = render(<DownloadButtons job={job} />);
    await user.click(screen.getByRole("button", { name: "Download PDF" }));
    await waitFor(() => expect(saved).toEqual(["Etude in C.pdf"]));
    expect(api.callsTo("GET", `/api/jobs/${job.id}/pdf`)[0].url).not.toContain("?");

    rerender(<DownloadButtons job={job} transpose="-m3" />);
    expect(screen.getByText("MusicXML and PDF written for: Down a minor third")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Download MusicXML" }));
    await waitFor(() => expect(saved).toEqual(["Etude in C.pdf", "Etude in C (-m3).musicxml"]));
    expect(api.callsTo("GET", `/api/jobs/${job.id}/musicxml`)[0].url).toMatch(/\/musicxml\?transpose=-m3$/);
    click.mockRestore();
  });

  it("says when a download fails", async () => {
    const job = makeJob();
    mockFetch().on("GET", `/api/jobs/${job.id}/midi`, { status: 404, json: { detail: "not ready" } });
    render(<DownloadButtons job={job} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Download MIDI" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The download failed: not ready");
  });
});
