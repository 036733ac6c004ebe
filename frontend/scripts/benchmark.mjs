#!/usr/bin/env node
// Frontend benchmarks, written to benchmarks/results/frontend.json (and .md):
//  - bundle: gzip size of the main bundle (what index.html loads: entry + its static imports + CSS)
//    and of each lazy chunk, from dist/ (run `npm run build` first). Target: main < 400 KB gzip.
//  - score (optional): time from opening a finished job to its drawn score, in headless Chromium.
//    Target: < 1.5 s for a 3-minute piece. Against a running app (benchmarks/frontend.py starts the
//    real stack, transcribes a piece and runs this script so):
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

async function scoreTiming({ base, email, password, jobId }) {
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
    const median = (key) => warm.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(warm.length / 2)];
    return {
      what:
        "from the navigation start of /jobs/<id> (a full page load: app, session, job, MusicXML, OSMD) to the " +
        "frame that shows the first screenful of the score, and the whole score; headless Chromium at 1280x900",
      first_screen_median_ms: median("first_screen_ms"),
      whole_score_median_ms: median("whole_score_ms"),
      limit_ms: SCORE_LIMIT_MS,
      first_screen_within_limit: median("first_screen_ms") < SCORE_LIMIT_MS,
      whole_score_within_limit: median("whole_score_ms") < SCORE_LIMIT_MS,
      cold: { first_screen_ms: cold.first_screen_ms, whole_score_ms: cold.whole_score_ms },
      runs: warm,
    };
  } finally {
    await browser.close();
  }
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
  result.score = {
    server: process.env.E2E_BASE_URL,
    ...(await scoreTiming({
      base: process.env.E2E_BASE_URL.replace(/\/$/, ""),
      email: process.env.BENCH_EMAIL,
      password: process.env.BENCH_PASSWORD,
      jobId: process.env.BENCH_JOB_ID,
    })),
  };
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
