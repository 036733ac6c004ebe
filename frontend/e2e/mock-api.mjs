#!/usr/bin/env node
// A stand-in for the TuneScribe API, for working on the frontend without the backend: it serves
// dist/ (SPA fallback) and the /api contract from DESIGN.md in memory. Jobs walk through their
// stages in a few seconds and then serve the artifacts found in FIXTURE_DIR:
//   <stem>.mid (performance MIDI), <stem>.musicxml, <stem>.timemap.json, and optionally <stem>.mp3/.wav
// (`tunescribe transcribe AUDIO --out-dir DIR --musicxml` writes the first three).
// Not a test of the real API: the end-to-end journey (e2e/journey.mjs) targets the real stack.
//
// usage: FIXTURE_DIR=/path PORT=8765 node e2e/mock-api.mjs   (SEED=1 adds a demo user with a history)
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const dist = resolve(process.env.DIST_DIR ?? join(root, "dist"));
const port = Number(process.env.PORT ?? 8765);
const fixtureDir = process.env.FIXTURE_DIR ?? join(root, "e2e/fixtures");
const stageSeconds = Number(process.env.STAGE_SECONDS ?? 1.5);
const MAX_UPLOAD = 100 * 1024 * 1024;

function loadFixture() {
  if (!existsSync(fixtureDir)) return {};
  const files = readdirSync(fixtureDir);
  const pick = (ext) => files.find((f) => f.endsWith(ext) && !f.endsWith(`.score${ext}`));
  const read = (name) => (name ? readFileSync(join(fixtureDir, name)) : null);
  const audio = pick(".mp3") ?? pick(".wav");
  return {
    midi: read(pick(".mid")),
    musicxml: read(pick(".musicxml")),
    timemap: read(pick(".timemap.json")),
    audio: read(audio),
    audioType: audio?.endsWith(".mp3") ? "audio/mpeg" : "audio/wav",
  };
}
const fixture = loadFixture();

const users = new Map(); // email -> {id, email, password, is_admin}
const tokens = new Map(); // token -> email
const jobs = []; // newest last
const failures = new Map(); // email -> failed logins

function json(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

function readBody(req, limit = MAX_UPLOAD + 1024 * 1024) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error("too large"), { status: 413 }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The parts of a multipart/form-data body: name -> {filename, type, data}. */
function parseMultipart(body, contentType) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? "");
  if (!boundary) return {};
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts = {};
  let start = body.indexOf(marker);
  while (start >= 0) {
    const next = body.indexOf(marker, start + marker.length);
    if (next < 0) break;
    const part = body.subarray(start + marker.length + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, split).toString("utf8");
    const data = part.subarray(split + 4);
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (name) {
      parts[name] = {
        filename: /filename="([^"]*)"/.exec(head)?.[1] ?? null,
        type: /Content-Type:\s*(\S+)/i.exec(head)?.[1] ?? "",
        data,
      };
    }
    start = next;
  }
  return parts;
}

function looksLikeAudio(data) {
  const head = data.subarray(0, 12).toString("latin1");
  return (
    head.startsWith("RIFF") ||
    head.startsWith("ID3") ||
    head.startsWith("fLaC") ||
    head.startsWith("OggS") ||
    head.slice(4, 8) === "ftyp" ||
    (data[0] === 0xff && (data[1] & 0xe0) === 0xe0)
  );
}

function currentUser(req) {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const email = token && tokens.get(token);
  return email ? users.get(email) : null;
}

const STAGES = ["queued", "decoding", "transcribing", "notation"];

/** A job's public view, its stage computed from how long ago it was made. */
function publicJob(job) {
  if (job.fail || job.status === "succeeded" || job.status === "failed") return strip(job);
  const elapsed = (Date.now() - job.started) / 1000;
  const step = Math.floor(elapsed / stageSeconds);
  if (step >= STAGES.length) {
    if (job.failAfter) Object.assign(job, { status: "failed", stage: "failed", error: job.failAfter, progress: 1 });
    else Object.assign(job, { status: "succeeded", stage: "done", progress: 1, finished_at: new Date().toISOString() });
  } else {
    job.stage = STAGES[step];
    job.status = step === 0 ? "queued" : "running";
    job.progress = Math.min(0.99, elapsed / (stageSeconds * STAGES.length));
  }
  return strip(job);
}

function strip(job) {
  const { owner, started, failAfter, ...rest } = job;
  return rest;
}

function newJob(owner, { title, filename, duration_s, created_at, status, error }) {
  const job = {
    id: randomUUID(),
    owner,
    status: status ?? "queued",
    stage: status === "succeeded" ? "done" : status === "failed" ? "failed" : "queued",
    progress: status ? 1 : 0,
    error: error ?? null,
    title: title || null,
    filename,
    duration_s: duration_s ?? 180,
    note_count: status === "failed" ? null : 2699,
    model_version: "tsunet-v1",
    created_at: created_at ?? new Date().toISOString(),
    finished_at: status ? (created_at ?? new Date().toISOString()) : null,
    started: Date.now(),
  };
  jobs.push(job);
  return job;
}

async function api(req, res, url) {
  const path = url.pathname;
  if (path === "/api/health") return json(res, 200, { status: "ok", database: "ok", broker: "ok", workers: 1 });

  if (path === "/api/auth/register" && req.method === "POST") {
    const { email, password } = JSON.parse((await readBody(req)).toString() || "{}");
    if (!/^\S+@\S+\.\S+$/.test(email ?? "")) {
      return json(res, 422, { detail: [{ loc: ["body", "email"], msg: "value is not a valid email address" }] });
    }
    if ((password ?? "").length < 8) {
      return json(res, 422, {
        detail: [{ loc: ["body", "password"], msg: "String should have at least 8 characters" }],
      });
    }
    if (users.has(email.toLowerCase())) return json(res, 409, { detail: "email already registered" });
    const user = { id: randomUUID(), email: email.toLowerCase(), password, is_admin: false };
    users.set(user.email, user);
    return json(res, 201, { id: user.id, email: user.email, is_admin: false });
  }

  if (path === "/api/auth/login" && req.method === "POST") {
    const form = new URLSearchParams((await readBody(req)).toString());
    const email = (form.get("username") ?? "").toLowerCase();
    if ((failures.get(email) ?? 0) >= 5)
      return json(res, 429, { detail: "too many attempts" }, { "Retry-After": "30" });
    const user = users.get(email);
    if (!user || user.password !== form.get("password")) {
      failures.set(email, (failures.get(email) ?? 0) + 1);
      return json(res, 401, { detail: "Incorrect email or password" }, { "WWW-Authenticate": "Bearer" });
    }
    failures.delete(email);
    const token = randomUUID();
    tokens.set(token, email);
    return json(res, 200, { access_token: token, token_type: "bearer", expires_in: 3600 });
  }

  const user = currentUser(req);
  if (!user) return json(res, 401, { detail: "Not authenticated" }, { "WWW-Authenticate": "Bearer" });

  if (path === "/api/auth/me") return json(res, 200, { id: user.id, email: user.email, is_admin: user.is_admin });

  if (path === "/api/jobs" && req.method === "POST") {
    let body;
    try {
      body = await readBody(req);
    } catch (error) {
      return json(res, error.status ?? 400, { detail: "file too large: the limit is 100 MB" });
    }
    const parts = parseMultipart(body, req.headers["content-type"]);
    const file = parts.file;
    if (!file?.filename) return json(res, 422, { detail: [{ loc: ["body", "file"], msg: "Field required" }] });
    if (file.data.length > MAX_UPLOAD) return json(res, 413, { detail: "file too large: the limit is 100 MB" });
    if (!looksLikeAudio(file.data)) return json(res, 415, { detail: "not an audio file" });
    const job = newJob(user.email, {
      title: parts.title?.data.toString("utf8").trim(),
      filename: file.filename,
      duration_s: 180,
    });
    return json(res, 202, publicJob(job));
  }

  if (path === "/api/jobs" && req.method === "GET") {
    const limit = Math.min(100, Number(url.searchParams.get("limit") ?? 20));
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const q = (url.searchParams.get("q") ?? "").toLowerCase();
    const mine = jobs
      .filter((j) => j.owner === user.email)
      .filter((j) => !q || `${j.title ?? ""} ${j.filename}`.toLowerCase().includes(q))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    return json(res, 200, { data: mine.slice(offset, offset + limit).map(publicJob), count: mine.length });
  }

  const match = /^\/api\/jobs\/([^/]+)(?:\/(midi|musicxml|audio|timemap))?$/.exec(path);
  if (match) {
    const job = jobs.find((j) => j.id === match[1] && j.owner === user.email);
    if (!job) return json(res, 404, { detail: "job not found" });
    if (req.method === "DELETE" && !match[2]) {
      jobs.splice(jobs.indexOf(job), 1);
      res.writeHead(204).end();
      return;
    }
    const view = publicJob(job);
    if (!match[2]) return json(res, 200, view);
    const artifact = {
      midi: [fixture.midi, "audio/midi", "mid"],
      musicxml: [fixture.musicxml, "application/vnd.recordare.musicxml+xml", "musicxml"],
      timemap: [fixture.timemap, "application/json", "json"],
      audio: [fixture.audio, fixture.audioType, fixture.audioType === "audio/mpeg" ? "mp3" : "wav"],
    }[match[2]];
    if (view.status !== "succeeded" || !artifact[0]) return json(res, 404, { detail: "not available" });
    const stem = (job.title ?? job.filename).replace(/\.[^.]+$/, "");
    res.writeHead(200, {
      "Content-Type": artifact[1],
      "Content-Disposition": `attachment; filename="${stem.replace(/[^\w .-]/g, "_")}.${artifact[2]}"`,
    });
    res.end(artifact[0]);
    return;
  }
  return json(res, 404, { detail: "Not Found" });
}

// the same policy as the API's (services/api/main.py), so that what it forbids fails here too
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
  "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; " +
  "base-uri 'self'";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
};

function serveStatic(res, path) {
  let file = join(dist, decodeURIComponent(path));
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, "index.html");
  res.writeHead(200, {
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Security-Policy": CSP,
  });
  res.end(readFileSync(file));
}

function seed() {
  const email = "demo@example.com";
  users.set(email, { id: randomUUID(), email, password: "demo-password", is_admin: false });
  const titles = [
    ["Maple Leaf Rag", "maple-leaf-rag.wav", "succeeded"],
    ["Gymnopédie No. 1", "gymnopedie-1.mp3", "succeeded"],
    [null, "voice-memo-0412.m4a", "failed", "The recording is silent: no notes were found."],
    ["Clair de lune (live)", "clair-de-lune.flac", "succeeded"],
    ["Zelda – Song of Storms", "song-of-storms.ogg", "succeeded"],
    ["String quartet op. 76 no. 3, ii", "haydn-emperor.wav", "succeeded"],
    ["Nocturne in E-flat", "nocturne.mp3", "succeeded"],
    ["Interstellar main theme", "interstellar.wav", "succeeded"],
    ["Prelude in C", "bach-prelude.wav", "succeeded"],
    ["Für Elise (practice)", "fur-elise.m4a", "succeeded"],
    ["River flows in you", "river.mp3", "succeeded"],
    ["Moonlight sonata, i", "moonlight.wav", "succeeded"],
  ];
  titles.forEach(([title, filename, status, error], i) => {
    newJob(email, {
      title,
      filename,
      status,
      error,
      duration_s: 95 + ((i * 37) % 200),
      created_at: new Date(Date.now() - (i + 1) * 26 * 3600_000).toISOString(),
    });
  });
}

if (process.env.SEED) seed();

createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  try {
    if (url.pathname.startsWith("/api/")) await api(req, res, url);
    else serveStatic(res, url.pathname);
  } catch (error) {
    json(res, 500, { detail: String(error?.message ?? error) });
  }
}).listen(port, "127.0.0.1", () => {
  console.log(`mock API and app on http://127.0.0.1:${port} (fixtures: ${fixture.musicxml ? fixtureDir : "none"})`);
});
