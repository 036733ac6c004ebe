#!/usr/bin/env node
// The whole journey in Debian's Chromium (headless) against a running TuneScribe at E2E_BASE_URL:
// sign up, refuse non-audio, upload a rendered clip, watch the progress, see the score, play and see
// the cursors move, loop bars 3–4 at half speed, download and parse the MIDI, correct two notes and
// download the corrected MIDI (transcription-corrected.mid), write the score for a B♭ instrument and download its
// PDF, find the job in the history, on a touch screen drag a note with a finger, check that another user
// cannot open it and that a normal user cannot open the admin page, delete it; with an administrator's
// credentials, the admin page's models. Screenshots of each page go to E2E_OUT
// (default e2e/out), with the downloaded MIDI as transcription.mid and the PDF as transcription-Bb.pdf.
//
//   E2E_BASE_URL=http://127.0.0.1:8000 node e2e/journey.mjs
//   E2E_CLIP=clip.wav                      upload this recording instead of rendering one
//   E2E_ADMIN_EMAIL=… E2E_ADMIN_PASSWORD=… also check the admin page (models, tsunet-v1 active)
//
// Each step needs the ones before it, so the journey stops at the first failure (with a screenshot).
// Ends with the line "N passed, M failed"; exits non-zero if any step failed.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import tonejsMidi from "@tonejs/midi";
import { chromium } from "playwright-core";
import { fakeWav, renderClip, textFile } from "./clip.mjs";

const { Midi } = tonejsMidi;
const BASE = (process.env.E2E_BASE_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
const OUT = resolve(process.env.E2E_OUT ?? "e2e/out");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const JOB_TIMEOUT_MS = Number(process.env.E2E_JOB_TIMEOUT_MS ?? 180_000);
const PASSWORD = "journey-password-1";
const ADMIN = process.env.E2E_ADMIN_EMAIL
  ? { email: process.env.E2E_ADMIN_EMAIL, password: process.env.E2E_ADMIN_PASSWORD ?? "" }
  : null;
const ACTIVE_MODEL = process.env.E2E_ACTIVE_MODEL ?? "tsunet-v1";

mkdirSync(OUT, { recursive: true });
for (const old of readdirSync(OUT)) if (/\.(png|mid|pdf)$/.test(old)) rmSync(join(OUT, old));
const work = mkdtempSync(join(tmpdir(), "tunescribe-e2e-"));
const stamp = Date.now().toString(36);
const first = { email: `e2e-${stamp}@example.com`, password: PASSWORD };
const second = { email: `e2e-${stamp}-other@example.com`, password: PASSWORD };
const TITLE = `E2E clip ${stamp}`;

let passed = 0;
let failed = 0;
const foreignRequests = [];
const pageErrors = [];

class JourneyStopped extends Error {}

async function step(name, fn) {
  const started = Date.now();
  if (failed) throw new JourneyStopped();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
    return true;
  } catch (error) {
    failed++;
    console.log(
      `not ok - ${name}\n  ${String(error?.stack ?? error)
        .split("\n")
        .slice(0, 6)
        .join("\n  ")}`,
    );
    await shot(page, "failure").catch(() => {});
    throw new JourneyStopped();
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
  ],
});

async function newPage(viewport = { width: 1280, height: 900 }, device = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, baseURL: BASE, ...device });
  const page = await context.newPage();
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(BASE) && !url.startsWith("blob:") && !url.startsWith("data:")) foreignRequests.push(url);
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    // a refused upload or a 404 page is logged by the browser itself ("Failed to load resource")
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      pageErrors.push(`console: ${message.text()}`);
    }
  });
  return page;
}

// what a person sees (the viewport), not the whole several-metre page of a long score
/** The notes of a MIDI file, by start then pitch: the order the API numbers them in for corrections. */
const notesOf = (midi) =>
  midi.tracks
    .flatMap((track) => track.notes.map((n) => ({ pitch: n.midi, start: n.time, end: n.time + n.duration })))
    .sort((a, b) => a.start - b.start || a.pitch - b.pitch);
/** the transcription's notes, from the MIDI downloaded before any correction */
let original = [];
/** the two notes corrected (raised a semitone, deleted) and saved as revision 1 */
let correctedNotes = [];
const PITCH_NAMES = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"];
/** 60 -> "C4", as the app names a pitch (src/lib/pitch.ts) */
const pitchName = (midi) => `${PITCH_NAMES[midi % 12]}${Math.floor(midi / 12) - 1}`;

const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

/** Fills the sign-up or sign-in form and waits for the upload page. */
async function enter(page, form, { email, password }) {
  await page.goto(form === "sign up" ? "/signup" : "/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: form === "sign up" ? "Create account" : "Sign in" }).click();
  await page.getByRole("heading", { name: "New transcription" }).waitFor();
}

const clip = process.env.E2E_CLIP ? { wavPath: resolve(process.env.E2E_CLIP), noteCount: null } : renderClip(work);
const page = await newPage();
let jobUrl = null;

try {
  await step("the sign-in page refuses a wrong password", async () => {
    await page.goto("/signin");
    await shot(page, "01-sign-in");
    await page.getByLabel("Email").fill(`nobody-${stamp}@example.com`);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
  });

  await step("sign up", async () => {
    await page.goto("/signup");
    await shot(page, "02-sign-up");
    await enter(page, "sign up", first);
    // the server's limits (GET /api/limits), stated before a file is chosen
    await page.getByText(/Up to \d+ MB and [\d.]+ minutes?\./).waitFor();
    await shot(page, "03-upload");
  });

  await step("a text file is refused before upload", async () => {
    await page.getByLabel("Choose a file").setInputFiles(textFile(work));
    await page.getByRole("alert").filter({ hasText: "is not an audio file" }).waitFor();
  });

  await step("a file that only pretends to be audio is refused by the server, and the page says so", async () => {
    await page.getByLabel("Choose a file").setInputFiles(fakeWav(work));
    await page.getByRole("button", { name: "Transcribe" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /audio/i);
    assert.equal(new URL(page.url()).pathname, "/");
    await shot(page, "04-upload-refused");
  });

  await step("upload a rendered clip and see the job's progress", async () => {
    await page.getByLabel("Choose a file").setInputFiles(clip.wavPath);
    await page.getByLabel(/Title/).fill(TITLE);
    await page.getByRole("button", { name: "Transcribe" }).click();
    await page.waitForURL(/\/jobs\/[^/]+$/);
    jobUrl = new URL(page.url()).pathname;
    // the job page opens on the queued job the upload returned
    const status = page.getByRole("progressbar", { name: "Transcription progress" });
    const result = page.getByRole("heading", { level: 2, name: "Score" });
    await status.or(result).first().waitFor();
    if (await status.isVisible()) await shot(page, "05-job-progress");
  });

  await step("see the score: an SVG with measures", async () => {
    const sheet = page.locator('[data-testid="score-sheet"][data-state="ready"][data-cursor="ready"] svg');
    await sheet.first().waitFor({ timeout: JOB_TIMEOUT_MS });
    const measures = await page.locator('[data-testid="score-sheet"] svg g.vf-measure').count();
    assert.ok(measures >= 1, `expected drawn measures, found ${measures}`);
    await page.getByRole("img", { name: /^Piano roll: \d+ notes/ }).waitFor();
    await shot(page, "06-score");
  });

  await step("press play and see the cursors move", async () => {
    const playhead = page.getByTestId("piano-roll-playhead");
    const cursor = page.locator('[data-testid="score-sheet"] img[id^="cursorImg"]');
    const before = { roll: await playhead.getAttribute("style"), score: await cursor.boundingBox() };
    await page.getByRole("button", { name: "Play" }).click();
    await page.getByRole("button", { name: "Pause" }).waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () =>
        !/translateX\(0px\)/.test(
          document.querySelector('[data-testid="piano-roll-playhead"]')?.getAttribute("style") ?? "",
        ),
      null,
      { timeout: 15_000 },
    );
    await page.waitForTimeout(2500);
    const after = { roll: await playhead.getAttribute("style"), score: await cursor.boundingBox() };
    assert.notEqual(after.roll, before.roll, "the piano-roll playhead did not move");
    assert.ok(after.score && before.score, "no score cursor");
    assert.ok(after.score.x !== before.score.x || after.score.y !== before.score.y, "the score cursor did not move");
    await shot(page, "07-playing");
    await page.getByRole("button", { name: "Pause" }).click();
  });

  await step("switch to the original recording and play it from the same place", async () => {
    const time = page.getByTestId("playback-time");
    await page.getByRole("radio", { name: "Original recording" }).check();
    await page.getByRole("button", { name: "Play" }).click();
    const at = await time.innerText();
    await page.getByRole("button", { name: "Pause" }).waitFor({ timeout: 30_000 });
    await page.waitForFunction((t) => document.querySelector('[data-testid="playback-time"]')?.textContent !== t, at, {
      timeout: 10_000,
    });
    await page.getByRole("button", { name: "Pause" }).click();
  });

  await step("loop bars 3–4 at 50 % with a count-in: the cursor stays inside them", async () => {
    const measure = (n) =>
      page.locator(`[data-testid="score-sheet"] svg g.vf-measure[id="${n}"]`).first().boundingBox();
    const [third, fourth] = [await measure(3), await measure(4)];
    assert.ok(third && fourth, "the score has no bars 3 and 4");
    // drag from bar 3 to bar 4 on the score
    await page.mouse.move(third.x + third.width / 2, third.y + third.height / 2);
    await page.mouse.down();
    await page.mouse.move(fourth.x + fourth.width / 2, fourth.y + fourth.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.getByText("Looping bars 3–4").waitFor();
    const status = await page.locator(".loop-status").innerText();
    const shaded = await page
      .locator(".loop-measure")
      .evaluateAll((els) =>
        els
          .map((el) => el.getBoundingClientRect())
          .map(({ left, right, top, bottom }) => ({ left, right, top, bottom })),
      );
    assert.equal(shaded.length, 2, "bars 3 and 4 are not both shaded");
    await page.getByLabel("Tempo").fill("0.5");
    await page.getByRole("checkbox", { name: "Count-in" }).check();
    await page.getByRole("button", { name: "Play" }).click();
    await page.getByText("Counting in…").waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Pause" }).waitFor();
    await page.getByText("Counting in…").waitFor({ state: "detached", timeout: 15_000 });
    // the loop in seconds of the recording, from "(m:ss–m:ss)": at half speed it takes twice as long
    const [startS, endS] = status
      .match(/(\d+):(\d\d)/g)
      .map((t) => t.split(":").reduce((m, s) => m * 60 + Number(s), 0));
    const watchMs = Math.min(20_000, ((endS - startS + 1) / 0.5) * 1000 + 1500);
    const cursor = page.locator('[data-testid="score-sheet"] img[id^="cursorImg"]');
    const xs = [];
    for (let t = 0; t < watchMs; t += 250) {
      const box = await cursor.boundingBox();
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      const inside = shaded.some((r) => x >= r.left - 2 && x <= r.right + 2 && y >= r.top - 40 && y <= r.bottom + 40);
      assert.ok(inside, `the cursor left bars 3–4 (at ${Math.round(x)}, ${Math.round(y)})`);
      xs.push(x);
      if (t === 1000) await shot(page, "07c-loop-bars-3-4");
      await page.waitForTimeout(250);
    }
    assert.ok(
      xs.some((x, i) => i > 0 && x < xs[i - 1] - 5),
      "the cursor never went back to the start of the loop",
    );
    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Clear loop" }).click();
    assert.equal(await page.locator(".loop-measure").count(), 0, "the loop is still shaded");
  });

  await step("download the MIDI and parse it", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download MIDI" }).click(),
    ]);
    const path = join(work, download.suggestedFilename());
    await download.saveAs(path);
    const midi = new Midi(readFileSync(path));
    const notes = midi.tracks.reduce((n, track) => n + track.notes.length, 0);
    assert.ok(notes > 0, "the MIDI file has no notes");
    copyFileSync(path, join(OUT, "transcription.mid")); // for the caller to check with its own parser
    console.log(`  ${download.suggestedFilename()}: ${notes} notes (the clip has ${clip.noteCount ?? "?"})`);
    original = notesOf(midi);
  });

  await step("correct two notes in the piano roll, save, and download the corrected MIDI and PDF", async () => {
    const roll = page.getByRole("img", { name: /^Piano roll: \d+ notes/ });
    await roll.scrollIntoViewIfNeeded();
    const pxPerSecond = Number(await roll.getAttribute("data-px-per-second"));
    const topPitch = Number(await roll.getAttribute("data-top-pitch"));
    const box = await roll.boundingBox();
    const raised = original[0];
    // the second: not at the first's new pitch, so that a click on it cannot pick up the first and the
    // corrected file has one more note at that pitch (what the caller checks)
    const removed = original.slice(1).find((n) => n.pitch !== raised.pitch + 1);
    const pick = async (note) => {
      // 2 px into the note, clear of the grip at its end that changes its length
      await page.mouse.click(box.x + note.start * pxPerSecond + 2, box.y + (topPitch - note.pitch) * 7 + 3);
      await page.getByText(`at ${note.start.toFixed(2)} s`, { exact: false }).waitFor({ timeout: 5_000 });
    };
    correctedNotes = [raised, removed];
    await pick(raised);
    await page.keyboard.press("ArrowUp");
    await pick(removed);
    await page.keyboard.press("Delete");
    await page.getByText("Unsaved corrections.").waitFor();
    await page.getByRole("button", { name: "Save corrections" }).click();
    await page.getByText("Showing revision 1, with your corrections.").waitFor({ timeout: JOB_TIMEOUT_MS });
    await page.locator('[data-testid="score-sheet"][data-state="ready"] svg').first().waitFor({ timeout: 30_000 });
    await shot(page, "07a-corrected");
    const [download, response] = await Promise.all([
      page.waitForEvent("download"),
      page.waitForResponse((r) => /\/midi\?revision=\d+$/.test(r.url())),
      page.getByRole("button", { name: "Download MIDI" }).click(),
    ]);
    assert.match(response.url(), /\/midi\?revision=1$/);
    const path = join(work, "corrected.mid");
    await download.saveAs(path);
    const corrected = notesOf(new Midi(readFileSync(path)));
    const near = (a, b) => a.pitch === b.pitch && Math.abs(a.start - b.start) < 0.02;
    const count = (notes, note) => notes.filter((n) => near(n, note)).length;
    assert.equal(corrected.length, original.length - 1, "one note was deleted");
    assert.equal(count(corrected, removed), count(original, removed) - 1, "the deleted note is still there");
    const up = { pitch: raised.pitch + 1, start: raised.start };
    assert.equal(count(corrected, up), count(original, up) + 1, "the raised note is not a semitone up");
    copyFileSync(path, join(OUT, "transcription-corrected.mid")); // the caller compares it with its own parser
    // its PDF: the worker makes a correction without one, and the API engraves it when first asked for
    const [pdf] = await Promise.all([
      page.waitForEvent("download", { timeout: 60_000 }),
      page.getByRole("button", { name: "Download PDF" }).click(),
    ]);
    assert.match(pdf.suggestedFilename(), / \(revision 1\)\.pdf$/);
    const pdfPath = join(work, "corrected.pdf");
    await pdf.saveAs(pdfPath);
    assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), "%PDF-");
  });

  await step("write the score for a B♭ instrument and download its PDF", async () => {
    const transposed = page.waitForResponse((r) => /\/musicxml\?transpose=Bb&revision=\d+$/.test(r.url()) && r.ok(), {
      timeout: 60_000,
    });
    await page.getByRole("combobox", { name: "Written for" }).selectOption("Bb");
    await transposed;
    await page.locator('[data-testid="score-sheet"][data-state="ready"] svg').first().waitFor({ timeout: 30_000 });
    await page.getByText("MusicXML and PDF written for: B♭ instruments").waitFor();
    await shot(page, "07b-transposed");
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 60_000 }),
      page.getByRole("button", { name: "Download PDF" }).click(),
    ]);
    // the score shown, and so downloaded, is the corrected one (revision 1) from the step before
    assert.match(download.suggestedFilename(), / \(revision 1, Bb\)\.pdf$/);
    const path = join(work, "transposed.pdf");
    await download.saveAs(path);
    assert.equal(readFileSync(path).subarray(0, 5).toString(), "%PDF-");
    copyFileSync(path, join(OUT, "transcription-Bb.pdf")); // the caller reads its title with poppler
  });

  await step("find the job in the history, by search too", async () => {
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("link", { name: TITLE }).waitFor();
    await page.getByRole("searchbox", { name: "Search your transcriptions" }).fill(stamp);
    await page.waitForURL(/q=/);
    await page.getByRole("link", { name: TITLE }).waitFor();
    await shot(page, "08-history");
    await page.getByRole("link", { name: TITLE }).click();
    await page.waitForURL((url) => url.pathname === jobUrl);
  });

  await step("on a phone: the upload, job and history pages", async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await enter(phone, "sign in", first);
    await shot(phone, "09-phone-upload");
    await phone.goto(jobUrl);
    await phone.locator('[data-testid="score-sheet"][data-state="ready"] svg').first().waitFor({ timeout: 60_000 });
    await shot(phone, "10-phone-job");
    await phone.goto("/history");
    await phone.getByRole("link", { name: TITLE }).waitFor();
    await shot(phone, "11-phone-history");
    await phone.context().close();
  });

  await step(
    "on a touch screen: a finger holds a note and drags it, and the roll does not scroll instead",
    async () => {
      const phone = await newPage({ width: 390, height: 844 }, { hasTouch: true, isMobile: true });
      await enter(phone, "sign in", first);
      await phone.goto(jobUrl);
      // the page drawn whole, so that nothing above the roll moves it any more
      const drawn = '[data-testid="score-sheet"][data-state="ready"][data-cursor="ready"] svg';
      await phone.locator(drawn).first().waitFor({ timeout: 60_000 });
      const roll = phone.getByRole("img", { name: /^Piano roll: \d+ notes/ });
      await roll.scrollIntoViewIfNeeded();
      const scroller = phone.getByRole("region", { name: "Piano roll (scrolls sideways)" });
      const pxPerSecond = Number(await roll.getAttribute("data-px-per-second"));
      const topPitch = Number(await roll.getAttribute("data-top-pitch"));
      const [box, view] = [await roll.boundingBox(), await scroller.boundingBox()];
      const [dx, rows] = [24, 3]; // later by 24 px, up by 3 rows (7 px each)
      const overlaps = (a, b) => a !== b && a.pitch === b.pitch && Math.abs(a.start - b.start) < 0.5;
      // in view, long enough to hold by its body (not its end), clear of the corrected notes and of others
      const note = original.find(
        (n) =>
          !correctedNotes.includes(n) &&
          !original.some((other) => overlaps(n, other)) &&
          n.end - n.start >= 0.4 &&
          box.x + n.start * pxPerSecond + 4 + dx < view.x + view.width - 4,
      );
      assert.ok(note, "no note in view to drag");
      const x = box.x + note.start * pxPerSecond + 4;
      const y = box.y + (topPitch - note.pitch) * 7 + 3;
      // had the browser scrolled instead, it would have cancelled the finger's pointer (and the roll may have
      // moved sideways); the page itself may move, as the text under the roll gets shorter once a note is chosen
      await phone.evaluate(() => {
        window.__cancelled = 0;
        window.addEventListener("pointercancel", () => window.__cancelled++);
      });
      const scrolled = () =>
        phone.evaluate(() => ({
          cancelled: window.__cancelled,
          rollScrollLeft: document.querySelector(".piano-roll").scrollLeft,
        }));
      const before = await scrolled();
      // the browser's own touch input (not synthetic DOM events), so that it decides whether to scroll
      const cdp = await phone.context().newCDPSession(phone);
      const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
      await touch("touchStart", [{ x, y }]);
      for (let i = 1; i <= 6; i++) await touch("touchMove", [{ x: x + (dx * i) / 6, y: y - (rows * 7 * i) / 6 }]);
      await touch("touchEnd", []);
      const selection = phone.getByText(/^Selected: /);
      await phone.getByText("Unsaved corrections.").waitFor({ timeout: 5_000 });
      const [, name, start] = /^Selected: (\S+) at ([\d.]+) s/.exec(await selection.innerText());
      assert.equal(name, pitchName(note.pitch + rows), "the note is not three rows up");
      assert.ok(Math.abs(Number(start) - (note.start + dx / pxPerSecond)) < 0.05, `the note starts at ${start} s`);
      assert.deepEqual(await scrolled(), before, "the browser scrolled under the finger");
      await shot(phone, "10a-touch-corrected");
      await phone.context().close();
    },
  );

  await step("another user cannot open the job", async () => {
    const other = await newPage();
    await enter(other, "sign up", second);
    await other.goto(jobUrl);
    await other.getByRole("heading", { name: "Transcription not found" }).waitFor();
    await shot(other, "12-other-user");
    await other.context().close();
  });

  await step("a normal user has no admin link, and the admin page says not allowed", async () => {
    await page.goto("/history");
    await page.getByRole("link", { name: "History" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0);
    await page.goto("/admin");
    await page.getByRole("heading", { name: "Not allowed" }).waitFor();
    await shot(page, "14-admin-not-allowed");
  });

  await step("delete the job after confirming", async () => {
    await page.goto("/history");
    await page.getByRole("button", { name: `Delete “${TITLE}”` }).click();
    await shot(page, "13-delete-confirm");
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText(`Deleted “${TITLE}”.`).waitFor();
    assert.equal(await page.getByRole("link", { name: TITLE }).count(), 0);
    await page.goto(jobUrl);
    await page.getByRole("heading", { name: "Transcription not found" }).waitFor();
  });

  await step("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });

  if (ADMIN) {
    await step(`the administrator sees the models, ${ACTIVE_MODEL} active, and the training runs`, async () => {
      const admin = await newPage({ width: 1280, height: 900 });
      await enter(admin, "sign in", ADMIN);
      await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
      await admin.getByRole("heading", { name: "Administration" }).waitFor();
      const models = admin.getByRole("region", { name: "Models" });
      const active = models.getByRole("row").filter({ has: admin.getByRole("rowheader", { name: ACTIVE_MODEL }) });
      await active.waitFor();
      assert.equal((await active.getByRole("cell").nth(0).innerText()).trim(), "Ensemble");
      assert.equal((await active.getByRole("cell").nth(1).innerText()).trim(), "active");
      assert.match(await active.getByRole("cell").nth(2).innerText(), /^0\.\d{3}$/, "no note F1 for the active model");
      // the stack's transcription worker reports itself (GET /api/admin/workers)
      await admin
        .getByRole("region", { name: "Workers" })
        .getByRole("cell", { name: "transcriptions" })
        .first()
        .waitFor();
      await admin
        .getByRole("region", { name: "Training runs" })
        .getByRole("button", { name: "Start training" })
        .waitFor();
      await shot(admin, "15-admin");
      await admin.context().close();
    });
  } else {
    console.log("skip - the admin page (no E2E_ADMIN_EMAIL)");
  }

  await step(
    "the app made no request outside its own origin, threw no error and broke no security policy",
    async () => {
      assert.deepEqual(foreignRequests, []);
      assert.deepEqual(pageErrors, []);
    },
  );
} catch (error) {
  if (!(error instanceof JourneyStopped)) throw error;
} finally {
  await browser.close();
}

console.log(`screenshots in ${OUT}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
