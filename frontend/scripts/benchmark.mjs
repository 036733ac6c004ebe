#!/usr/bin/env node
// Frontend benchmarks, written to benchmarks/results/frontend.json (and .md):
//  - bundle: gzip size of the main bundle (what index.html loads: entry + its static imports + CSS)
//    and of each lazy chunk, from dist/ (run `npm run build` first). Target: main < 400 KB gzip.
//  - score (optional): time from opening a finished job to its drawn score, in headless Chromium.
//    Target: < 1.5 s for a 3-minute piece.
//  - correction (with score): BENCH_CORRECTIONS times (default 3), a note raised a semitone in the piano roll
//    and the corrections saved, as a user does; the time from the click on "Save corrections" to the
//    frame after the score of the new revision is drawn whole. Target: < 3 s.
//    Against a running app (benchmarks/frontend.py starts the real stack, transcribes a piece and runs
//    this script so):
//      E2E_BASE_URL=http://127.0.0.1:8000 BENCH_EMAIL=... BENCH_PASSWORD=... BENCH_JOB_ID=... \
//      BENCH_NOTE="what stack, which piece" node scripts/benchmark.mjs
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, "..");
const dist = join(frontend, "dist");
const resultsPath = resolve(process.env.BENCH_OUT ?? join(frontend, "../benchmarks/results/frontend.json"));
const MAIN_LIMIT_KB = 400;
const SCORE_LIMIT_MS = 1500;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CORRECTION_LIMIT_MS = 3000;
const CORRECTIONS = Number(process.env.BENCH_CORRECTIONS ?? 3);
const ROW_PX = 7; // a pitch's row in the piano roll (src/components/PianoRoll.tsx)

const kb = (bytes) => Math.round((bytes / 1024) * 10) / 10;
const gzipKb = (file) => kb(gzipSync(readFileSync(file), { level: 9 }).length);

function bundleSizes() {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const entry = /<script[^>]+type="module"[^>]+src="\/([^"]+)"/.exec(html)?.[1];
  if (!entry) throw new Error("no module script in dist/index.html: run `npm run build` first");
  const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g)].map((m) => m[1]);
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="\/([^"]+)"/g)].map((m) => m[1]);
  const main = [entry, ...preloads, ...css];
  const mainFiles = Object.fromEntries(main.map((f) => [f, gzipKb(join(dist, f))]));
  const lazy = readdirSync(join(dist, "assets"))
    .map((f) => `assets/${f}`)
    .filter((f) => f.endsWith(".js") && !main.includes(f))
    .map((f) => ({ file: f, raw_kb: kb(statSync(join(dist, f)).size), gzip_kb: gzipKb(join(dist, f)) }))
    .sort((a, b) => b.gzip_kb - a.gzip_kb);
  const mainKb = Math.round(Object.values(mainFiles).reduce((a, b) => a + b, 0) * 10) / 10;
  return {
    main_gzip_kb: mainKb,
    main_limit_kb: MAIN_LIMIT_KB,
    main_within_limit: mainKb < MAIN_LIMIT_KB,
    main_files_gzip_kb: mainFiles,
    lazy_chunks: lazy,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Headless Chromium at 1280x900, signed in as the benchmark's user; `measure(page)`'s answer. */
async function inBrowser({ base, email, password }, measure) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/signin`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "New transcription" }).waitFor();
    try {
      return await measure(page);
    } catch (error) {
      // what the page showed when the run failed, beside the results
      await page.screenshot({ path: resultsPath.replace(/\.json$/, "") + "-failure.png", fullPage: true });
      throw error;
    }
  } finally {
    await browser.close();
  }
}

async function scoreTiming(page, { base, jobId }) {
  // When the score reaches the screen: the animation frame after the first measures are in the
  // document (the first screenful), and the one after the score view says the whole score is drawn.
  await page.addInitScript(() => {
    const frameAfter = (key) => requestAnimationFrame(() => (window[key] ??= performance.now()));
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="score-sheet"] svg g.vf-measure')) frameAfter("__firstScreen");
      if (document.querySelector('[data-testid="score-sheet"][data-state="ready"]')) frameAfter("__wholeScore");
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
  });
  const runs = [];
  for (let i = 0; i < RUNS + 1; i++) {
    // a full page load of the job's address: app start, sign-in check, job, MusicXML, OSMD, drawing
    await page.goto(`${base}/jobs/${jobId}`);
    await page.waitForFunction(() => window.__wholeScore, null, { timeout: 120_000 });
    const at = await page.evaluate(() => ({ first: window.__firstScreen, whole: window.__wholeScore }));
    const marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, Math.round(m.startTime)])),
    );
    const measures = await page.locator('[data-testid="score-sheet"] svg g.vf-measure').count();
    runs.push({
      first_screen_ms: Math.round(at.first),
      whole_score_ms: Math.round(at.whole),
      marks,
      drawn_measures: measures,
    });
  }
  const [cold, ...warm] = runs; // the first load also fills the HTTP cache
  const medianOf = (key) => median(warm.map((r) => r[key]));
  return {
    what:
      "from the navigation start of /jobs/<id> (a full page load: app, session, job, MusicXML, OSMD) to the " +
      "frame that shows the first screenful of the score, and the whole score; headless Chromium at 1280x900",
    first_screen_median_ms: medianOf("first_screen_ms"),
    whole_score_median_ms: medianOf("whole_score_ms"),
    limit_ms: SCORE_LIMIT_MS,
    first_screen_within_limit: medianOf("first_screen_ms") < SCORE_LIMIT_MS,
    whole_score_within_limit: medianOf("whole_score_ms") < SCORE_LIMIT_MS,
    cold: { first_screen_ms: cold.first_screen_ms, whole_score_ms: cold.whole_score_ms },
    runs: warm,
  };
}

/** The API as the benchmark's user, from here (not the page): the notes to correct, the revisions made. */
async function apiSession({ base, email, password }) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
  if (!login.ok) throw new Error(`sign-in: ${login.status}`);
  const { access_token: token } = await login.json();
  return async (path) => {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response;
  };
}

/**
 * CORRECTIONS corrections made as a user makes them, each on the job's page as it stands: a click on a
 * note in the piano roll, the up arrow (a semitone higher), a click on "Save corrections". Timed from that
 * click to the first animation frame after the score sheet says the new revision's score is drawn whole
 * (`data-state="ready"` again after its MusicXML came), which is when it is on screen. Where the time
 * goes, from the page's resource timing and the score's performance marks, and the revision's own
 * created/finished times from the API (the same machine's clock).
 */
async function correctionTiming(page, { base, email, password, jobId }) {
  const { default: tonejsMidi } = await import("@tonejs/midi");
  const api = await apiSession({ base, email, password });
  const midi = new tonejsMidi.Midi(await (await api(`/api/jobs/${jobId}/midi?revision=0`)).arrayBuffer());
  const notes = midi.tracks
    .flatMap((track) => track.notes.map((n) => ({ pitch: n.midi, start: n.time, end: n.time + n.duration })))
    .sort((a, b) => a.start - b.start || a.pitch - b.pitch);
  const startRevisions = (await (await api(`/api/jobs/${jobId}/revisions`)).json()).count;

  await page.goto(`${base}/jobs/${jobId}`);
  await page
    .locator('[data-testid="score-sheet"][data-state="ready"][data-cursor="ready"]')
    .waitFor({ timeout: 120_000 });
  const roll = page.getByRole("img", { name: /^Piano roll: \d+ notes/ });
  await roll.scrollIntoViewIfNeeded();
  const pxPerSecond = Number(await roll.getAttribute("data-px-per-second"));
  const topPitch = Number(await roll.getAttribute("data-top-pitch"));
  const box = await roll.boundingBox();
  const view = await page.getByRole("region", { name: "Piano roll (scrolls sideways)" }).boundingBox();
  // notes in view, long enough to click clear of their end, alone on their row and on the row above
  const clear = (n) =>
    !notes.some(
      (o) =>
        o !== n && (o.pitch === n.pitch || o.pitch === n.pitch + 1) && o.start < n.end + 0.1 && o.end > n.start - 0.1,
    );
  const chosen = notes
    .filter((n) => (n.end - n.start) * pxPerSecond >= 12 && box.x + n.start * pxPerSecond + 8 < view.x + view.width)
    .filter(clear)
    // one note to a start time (the page names the selected note by its start)
    .filter((n, i, all) => all.findIndex((o) => o.start.toFixed(2) === n.start.toFixed(2)) === i)
    .slice(0, CORRECTIONS);
  if (chosen.length < CORRECTIONS) throw new Error(`only ${chosen.length} notes in view to correct`);

  const runs = [];
  for (const [i, note] of chosen.entries()) {
    const revision = startRevisions + i + 1;
    // the redrawn score above may have changed height: find the roll again
    await roll.scrollIntoViewIfNeeded();
    const at = await roll.boundingBox();
    await page.mouse.click(at.x + note.start * pxPerSecond + 2, at.y + (topPitch - note.pitch) * ROW_PX + 3);
    await page.getByText(`at ${note.start.toFixed(2)} s`, { exact: false }).waitFor({ timeout: 5_000 });
    await page.keyboard.press("ArrowUp");
    await page.getByText("Unsaved corrections.").waitFor();
    await page.evaluate((revision) => {
      performance.clearResourceTimings();
      performance.clearMarks();
      const probe = (window.__correction = { revision, saveAt: null, redrawnAt: null });
      const save = [...document.querySelectorAll("button")].find((b) => b.textContent === "Save corrections");
      save.addEventListener("click", () => (probe.saveAt = performance.now()), { capture: true, once: true });
      // the score sheet leaves "ready" when the revision's MusicXML comes, and is ready again once drawn
      let redrawing = false;
      const observer = new MutationObserver(() => {
        const state = document.querySelector('[data-testid="score-sheet"]')?.getAttribute("data-state");
        if (probe.saveAt === null) return;
        if (state !== "ready") redrawing = true;
        else if (redrawing) {
          observer.disconnect();
          requestAnimationFrame(() => (probe.redrawnAt = performance.now()));
        }
      });
      observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
    }, revision);
    await page.getByRole("button", { name: "Save corrections" }).click();
    await page.waitForFunction(() => window.__correction.redrawnAt, null, { timeout: 120_000 });
    await page.getByText(`Showing revision ${revision}, with your corrections.`).waitFor();
    // the cursor comes after the score (it walks the whole score once); wait for it before the next one
    await page.locator('[data-testid="score-sheet"][data-state="ready"][data-cursor="ready"]').waitFor();
    const seen = await page.evaluate(() => {
      const probe = window.__correction;
      const requests = performance
        .getEntriesByType("resource")
        .map((e) => ({ url: new URL(e.name), start: e.startTime, end: e.responseEnd }))
        .filter((e) => e.start >= probe.saveAt);
      const revisions = requests.filter((e) => e.url.pathname.endsWith("/revisions"));
      const xml = requests.find(
        (e) => e.url.pathname.endsWith("/musicxml") && e.url.searchParams.get("revision") === String(probe.revision),
      );
      const mark = (name) => performance.getEntriesByName(name, "mark").at(-1)?.startTime ?? null;
      return {
        timeOrigin: performance.timeOrigin,
        saveAt: probe.saveAt,
        redrawnAt: probe.redrawnAt,
        // the first request after the click is the POST (no revision was in progress, so no poll)
        posted: revisions[0]?.end ?? null,
        // the poll that said the revision is made: the last one before its MusicXML was asked for
        polls: xml ? revisions.slice(1).filter((e) => e.end <= xml.start).length : null,
        noticed: xml ? (revisions.filter((e) => e.end <= xml.start).at(-1)?.end ?? null) : null,
        xml: xml ? { start: xml.start, end: xml.end } : null,
        marks: Object.fromEntries(
          ["score:start", "score:parsed", "score:first-screen", "score:drawn", "score:cursor"].map((m) => [m, mark(m)]),
        ),
      };
    });
    if (!seen.xml) throw new Error(`revision ${revision}: its MusicXML was not fetched before the score was redrawn`);
    const made = (await (await api(`/api/jobs/${jobId}/revisions`)).json()).data.find((r) => r.number === revision);
    const epoch = (t) => seen.timeOrigin + t; // page time -> ms since 1970, the clock the server's times use
    const since = (t) => (t === null ? null : Math.round(t - seen.saveAt));
    runs.push({
      revision,
      note: { pitch: note.pitch, start_s: Math.round(note.start * 1000) / 1000 },
      total_ms: since(seen.redrawnAt),
      // click -> the POST's response (validation, the row, the task sent)
      save_request_ms: since(seen.posted),
      // the revision's row: created -> finished (the queue, then the worker's job: files made and stored)
      revision_made_ms: Date.parse(made.finished_at) - Date.parse(made.created_at),
      revision_finished_ms: Math.round(Date.parse(made.finished_at) - epoch(seen.saveAt)),
      // the page learns it by polling the list (every 250 ms while a revision is being made)
      noticed_ms: since(seen.noticed),
      polls: seen.polls,
      musicxml_fetch_ms: Math.round(seen.xml.end - seen.xml.start),
      musicxml_received_ms: since(seen.xml.end),
      parse_ms: Math.round(seen.marks["score:parsed"] - seen.marks["score:start"]),
      render_ms: Math.round(seen.marks["score:drawn"] - seen.marks["score:parsed"]),
      // MusicXML in hand -> the frame with the whole score: parse, the first screen, the rest, painting
      redraw_ms: Math.round(seen.redrawnAt - seen.xml.end),
      cursor_ms: since(seen.marks["score:cursor"]),
    });
  }
  const total = median(runs.map((r) => r.total_ms));
  // the last revision's PDF, which the API engraves on the first request and streams from storage after
  const pdf = {};
  for (const key of ["first_ms", "again_ms"]) {
    const t0 = performance.now();
    const body = await (await api(`/api/jobs/${jobId}/pdf?revision=${runs.at(-1).revision}`)).arrayBuffer();
    pdf[key] = Math.round(performance.now() - t0);
    pdf.kb = Math.round(body.byteLength / 1024);
  }
  return {
    what:
      'a note raised a semitone in the piano roll (click, up arrow), then a click on "Save corrections": from that ' +
      "click to the animation frame after the corrected revision's score is drawn whole (its MusicXML fetched, " +
      "parsed and drawn by OSMD); the worker makes the revision's MIDI, MusicXML, score MIDI and time map first " +
      "(on the original's beats; its PDF is engraved when first asked for, outside this measure)",
    median_ms: total,
    limit_ms: CORRECTION_LIMIT_MS,
    within_limit: total < CORRECTION_LIMIT_MS,
    pdf,
    median_parts_ms: Object.fromEntries(
      [
        "save_request_ms",
        "revision_made_ms",
        "revision_finished_ms",
        "noticed_ms",
        "musicxml_received_ms",
        "redraw_ms",
      ].map((key) => [key, median(runs.map((r) => r[key]))]),
    ),
    runs,
  };
}

const result = {
  date: new Date().toISOString(),
  // how it was started (benchmarks/frontend.py says so; run by hand it is this script)
  command:
    process.env.BENCH_COMMAND ?? ["npm run benchmark", "--", ...process.argv.slice(2)].join(" ").replace(/ --$/, ""),
  // what was measured against, in words (which stack, which piece)
  note: process.env.BENCH_NOTE ?? null,
  machine: { cpus: cpus().length, load_average_1m: Math.round(loadavg()[0] * 100) / 100 },
  bundle: bundleSizes(),
};

if (process.env.E2E_BASE_URL && process.env.BENCH_JOB_ID) {
  const app = {
    base: process.env.E2E_BASE_URL.replace(/\/$/, ""),
    email: process.env.BENCH_EMAIL,
    password: process.env.BENCH_PASSWORD,
    jobId: process.env.BENCH_JOB_ID,
  };
  result.score = { server: process.env.E2E_BASE_URL, ...(await inBrowser(app, (page) => scoreTiming(page, app))) };
  if (CORRECTIONS > 0) {
    result.correction = {
      server: process.env.E2E_BASE_URL,
      ...(await inBrowser(app, (page) => correctionTiming(page, app))),
    };
  }
}
result.machine.load_average_after_1m = Math.round(loadavg()[0] * 100) / 100;

/** The same result for people: benchmarks/results/frontend.md beside the JSON. */
function markdown(r) {
  const b = r.bundle;
  const lines = [
    "# Frontend benchmark",
    "",
    `- command: \`${r.command}\` (frontend/scripts/benchmark.mjs)`,
    `- date: ${r.date}`,
    `- machine: ${r.machine.cpus} cores, load average ${r.machine.load_average_1m} at start, ${r.machine.load_average_after_1m} at the end`,
    ...(r.note ? [`- what: ${r.note}`] : []),
    "",
    "## Bundle (gzip, level 9)",
    "",
    `Main bundle (what index.html loads): **${b.main_gzip_kb} KB** (target < ${b.main_limit_kb} KB: ${b.main_within_limit ? "met" : "missed"}).`,
    "Loaded only on a job's page:",
    "",
    "| chunk | raw (KB) | gzip (KB) |",
    "|---|---|---|",
    ...b.lazy_chunks.map((c) => `| ${c.file} | ${c.raw_kb} | ${c.gzip_kb} |`),
  ];
  if (r.score) {
    const s = r.score;
    lines.push(
      "",
      "## Time to the drawn score",
      "",
      `Server: ${s.server}. Measured ${s.what}.`,
      "",
      "| | median of the warm loads (ms) | first (cold) load (ms) | target |",
      "|---|---|---|---|",
      `| first screenful of the score | ${s.first_screen_median_ms} | ${s.cold.first_screen_ms} | < ${s.limit_ms} ms: ${s.first_screen_within_limit ? "met" : "missed"} |`,
      `| whole score drawn | ${s.whole_score_median_ms} | ${s.cold.whole_score_ms} | < ${s.limit_ms} ms: ${s.whole_score_within_limit ? "met" : "missed"} |`,
      "",
      "| load | first screen (ms) | whole score (ms) | measures drawn |",
      "|---|---|---|---|",
      ...s.runs.map(
        (run, i) => `| ${i + 1} | ${run.first_screen_ms} | ${run.whole_score_ms} | ${run.drawn_measures} |`,
      ),
    );
  }
  if (r.correction) {
    const c = r.correction;
    const s = (ms) => (ms / 1000).toFixed(2);
    lines.push(
      "",
      "## A correction to the re-drawn score",
      "",
      `Server: ${c.server}. Measured ${c.what}.`,
      "",
      `Median of ${c.runs.length}: **${s(c.median_ms)} s** (target < ${s(c.limit_ms)} s: ${c.within_limit ? "met" : "missed"}).`,
      "",
      "Each part in seconds from the click on Save: the POST answered; the worker finished the revision (its row's " +
        "created → finished, in brackets); the page's poll of the revisions (every 250 ms) saw it; the " +
        "revision's MusicXML received; the whole score drawn (MusicXML → drawn: parse + render, in brackets).",
      "",
      "| revision | total | POST answered | revision finished (made in) | page saw it | MusicXML in | drawn (parse + render) | cursor |",
      "|---|---|---|---|---|---|---|---|",
      ...c.runs.map(
        (run) =>
          `| ${run.revision} | **${s(run.total_ms)}** | ${s(run.save_request_ms)} | ${s(run.revision_finished_ms)} (${s(run.revision_made_ms)}) | ` +
          `${s(run.noticed_ms)} | ${s(run.musicxml_received_ms)} | ${s(run.total_ms)} (${s(run.parse_ms)} + ${s(run.render_ms)}) | ${s(run.cursor_ms)} |`,
      ),
    );
    if (c.pdf?.first_ms !== undefined) {
      lines.push(
        "",
        `The last revision's PDF (${c.pdf.kb} KB), asked for after it was drawn: ${s(c.pdf.first_ms)} s the first time ` +
          `(the API engraves it with MuseScore and keeps it), ${s(c.pdf.again_ms)} s the second (streamed from storage).`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

mkdirSync(dirname(resultsPath), { recursive: true });
writeFileSync(resultsPath, JSON.stringify(result, null, 2) + "\n");
const markdownPath = resultsPath.replace(/\.json$/, "") + ".md";
writeFileSync(markdownPath, markdown(result));
console.log(JSON.stringify(result, null, 2));
console.log(`written to ${resultsPath} and ${markdownPath}`);
if (!result.bundle.main_within_limit) {
  console.error(`main bundle ${result.bundle.main_gzip_kb} KB gzip is over ${MAIN_LIMIT_KB} KB`);
  process.exit(1);
}
