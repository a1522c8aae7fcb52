#!/usr/bin/env node
// `npm run bench` (SPEC §8, §9; issue 13): the Worker bundled as `wrangler deploy` bundles it, served
// directly in workerd through Miniflare's API (no `wrangler dev` proxy), beside the floor Workers of
// SPEC §9 (bench/floors/), all driven by wrk on loopback in one run. Prints a Markdown table and
// writes it to bench/results/latest.md (full runs) or to --out.
//
//   npm run bench                 full run (6 × 4 s per target scenario beside its floor, in 2-s
//                                 slices; medians; ~8 min)
//   npm run bench -- --quick      short run (1 × 4 s each; ~2 min), written to a temp file
//   npm run bench -- --smoke      a few seconds per scenario, four scenarios (the test's mode)
// Options: --out FILE, --json FILE, --reps N, --seconds S, --slices N, --context-seconds S, --only a,b,
//          --burst N, --no-burst, --profile, --no-profile, --keep (keep the temp directory)
//          (--only takes scenario ids, and `burst`, `profile`), --product DIR (measure the Worker of
//          another checkout, e.g. a scratch copy with an experiment; floors stay these)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchEntry, bundle } from "../bench/lib/build.mjs";
import { burst } from "../bench/lib/burst.mjs";
import { ROOT } from "../bench/lib/paths.mjs";
import { codeFlow, createScimUser, introspect, registerClient, REDIRECT_URI, tokenRequest } from "../bench/lib/product.mjs";
import { profileWhile, saveProfile, summarise } from "../bench/lib/profile.mjs";
import { report } from "../bench/lib/report.mjs";
import { scenarios, SMOKE } from "../bench/lib/scenarios.mjs";
import { cpuMs, peakRssMiB, resetPeakRss, serve, workerOptionsOf } from "../bench/lib/serve.mjs";
import { runWrk, wrkVersion } from "../bench/lib/wrk.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean" },
    smoke: { type: "boolean" },
    out: { type: "string" },
    json: { type: "string" },
    reps: { type: "string" },
    seconds: { type: "string" },
    "context-seconds": { type: "string" },
    only: { type: "string" },
    burst: { type: "string" },
    "no-burst": { type: "boolean" },
    "no-profile": { type: "boolean" },
    profile: { type: "boolean" },
    keep: { type: "boolean" },
    product: { type: "string" },
    slices: { type: "string" },
  },
});

const mode = args.smoke ? "smoke" : args.quick ? "quick" : "full";
const PRESETS = {
  full: { reps: 6, seconds: 4, slices: 2, contextSeconds: 4, warmSeconds: 1, burst: 1000, burstKeys: [1, 10, 1000], profile: true, conns: [1, 16] },
  quick: { reps: 1, seconds: 4, slices: 2, contextSeconds: 2, warmSeconds: 1, burst: 200, burstKeys: [1, 10, 100], profile: false, conns: [1, 16] },
  smoke: { reps: 1, seconds: 2, slices: 2, contextSeconds: 1, warmSeconds: 0, burst: 20, burstKeys: [2], profile: false, conns: [1] },
};
const plan = { ...PRESETS[mode] };
if (args.reps) plan.reps = Number(args.reps);
if (args.seconds) plan.seconds = Number(args.seconds);
if (args.slices) plan.slices = Number(args.slices);
// wrk takes whole seconds.
if (!Number.isInteger(plan.seconds / plan.slices) || plan.seconds / plan.slices < 1) {
  console.error(`--seconds (${plan.seconds}) must be a whole number of seconds per slice (--slices ${plan.slices}).`);
  process.exit(2);
}
if (args["context-seconds"]) plan.contextSeconds = Number(args["context-seconds"]);
if (args.burst) plan.burst = Number(args.burst);
if (args["no-burst"]) plan.burst = 0;
if (args["no-profile"]) plan.profile = false;
if (args.profile) plan.profile = true;
const only = args.only ? args.only.split(",") : mode === "smoke" ? SMOKE : null;

const log = (...parts) => console.error(`[bench ${((performance.now() - T0) / 1000).toFixed(0).padStart(3)} s]`, ...parts);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const T0 = performance.now();
// The checkout whose Worker is measured (default: this one); the floors always come from here.
const PRODUCT = args.product ? resolve(args.product) : ROOT;
const LOAD_START = loadavg();

if (!wrkVersion()) {
  console.error("wrk is not installed: apt-get install wrk (.ci/run installs it).");
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), "oauth-bench-"));
const workers = {};
let exitCode = 0;
try {
  // 1. Build: the product as `wrangler deploy` bundles it, and the floors the same way.
  const CONFIGS = {
    product: join(PRODUCT, "wrangler.toml"),
    "floor-kv": join(ROOT, "bench", "floors", "kv-read", "wrangler.toml"),
    "floor-do": join(ROOT, "bench", "floors", "do-kv", "wrangler.toml"),
    // The same Worker in a process of its own: a scenario measured beside floor (b) must not share
    // its process, whose CPU and counters each run is charged by.
    "floor-do-stored": join(ROOT, "bench", "floors", "do-kv", "wrangler.toml"),
    hello: join(ROOT, "bench", "floors", "hello-hono", "wrangler.toml"),
  };
  const list = scenarios(dummyContext());
  const chosen = new Set(list.filter((s) => !only || only.includes(s.id) || list.some((p) => only.includes(p.id) && p.floor === s.id)).map((s) => s.id));
  if (!oidcProviderInstalled()) chosen.delete("oidc-provider-cc");
  const needed = new Set(["product", ...list.filter((s) => chosen.has(s.id)).map((s) => s.worker)]);
  const wantOidc = needed.delete("oidc");
  log(`mode ${mode}; building ${[...needed].join(", ")}`);
  const built = Object.fromEntries(await Promise.all([...needed].map(async (name) => [name, await bundle(CONFIGS[name], join(tmp, "build", name))])));

  // 2. Serve each in its own workerd process (direct socket, local storage in the temp directory).
  for (const name of needed) {
    const { classNames } = workerOptionsOf(CONFIGS[name]);
    workers[name] = await serve({
      name,
      configPath: CONFIGS[name],
      modules: benchEntry(built[name], classNames),
      modulesRoot: built[name].outdir,
      bindings: name === "product" ? { ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "admin" } : {},
      persistDir: join(tmp, "state", name),
    });
  }
  if (wantOidc) workers.oidc = await startOidcProvider();
  log(`serving: ${Object.values(workers).map((w) => `${w.name} ${w.url} (pid ${w.pid})`).join("; ")}`);

  // 3. The product's fixtures, through its HTTP API.
  const url = workers.product.url;
  const ctx = await productContext(url);
  if (workers["floor-kv"]) {
    const kv = await workers["floor-kv"].mf.getKVNamespace("KV", "floor-kv");
    await kv.put("floor:key", JSON.stringify({ active: true }));
  }

  // 4. The timed runs.
  const all = scenarios(ctx).filter((s) => chosen.has(s.id));
  const byId = Object.fromEntries(all.map((s) => [s.id, s]));
  const runs = [];
  const warmed = new Set();
  let runNumber = 0;
  ctx.estimate = (id, conns, seconds) => {
    const ref = runs.filter((r) => r.scenario === "cc-hot" && r.conns === conns).map((r) => r.rps);
    const rate = ref.length ? Math.max(...ref) : 400;
    return Math.ceil(rate * 1.6 * seconds + 50);
  };

  function newRun() {
    runNumber += 1;
    return `r${runNumber}${Math.random().toString(36).slice(2, 6)}`;
  }

  async function warm(scenario, conns, run) {
    if (warmed.has(scenario.id) || plan.warmSeconds <= 0 || scenario.warm === false) return;
    warmed.add(scenario.id);
    const worker = workers[scenario.worker];
    await runWrk({ url: worker.url, connections: conns, seconds: plan.warmSeconds, request: await scenario.request({ run: `${run}w`, conns, seconds: plan.warmSeconds }) });
  }

  /** What a run's figures are measured against: the worker's counters, CPU and peak RSS from now. */
  async function startCounting(worker) {
    const before = worker.counters ? await worker.counters() : {};
    const cpuBefore = cpuMs(worker.pid);
    resetPeakRss(worker.pid);
    return { before, cpuBefore };
  }

  async function measure(scenario, conns, rep, seconds) {
    const worker = workers[scenario.worker];
    const run = newRun();
    await warm(scenario, conns, run);
    const request = await scenario.request({ run, conns, seconds });
    await sleep(150);
    const counting = await startCounting(worker);
    const result = await runWrk({ url: worker.url, connections: conns, seconds, request });
    await sleep(300); // let in-flight requests finish and the SQLite row counters settle
    return recordRun(scenario, conns, rep, seconds, result, counting);
  }

  /**
   * A target beside its floor (and any context scenario measured `besides` it), in `slices` slices
   * each, the order rotating from slice to slice (for two: A B, B A, A B, …), so all are measured
   * over the same stretch of time and a drift of the machine's speed falls on all alike. Each
   * side's figures are its slices together (latency: the median over slices).
   */
  async function measureTogether(scenarios, conns, rep, seconds, slices) {
    const sides = scenarios.map((scenario) => ({ scenario, worker: workers[scenario.worker], results: [] }));
    const run = newRun();
    for (const side of sides) await warm(side.scenario, conns, run);
    await sleep(150);
    for (const side of sides) side.counting = await startCounting(side.worker);
    const sliceSeconds = seconds / slices;
    for (let i = 0; i < slices; i++) {
      for (const side of rotated(sides, rep + i)) {
        const request = await side.scenario.request({ run: `${run}s${i}`, conns, seconds: sliceSeconds });
        side.results.push(await runWrk({ url: side.worker.url, connections: conns, seconds: sliceSeconds, request }));
      }
    }
    await sleep(300);
    for (const side of sides) await recordRun(side.scenario, conns, rep, seconds, merged(side.results), side.counting);
  }

  /** The figures of one run (or one side of a sliced group) from its wrk result and what was counted since `counting`. */
  async function recordRun(scenario, conns, rep, seconds, result, { before, cpuBefore }) {
    const worker = workers[scenario.worker];
    const key = `${scenario.id}@${conns}`;
    const after = worker.counters ? await worker.counters() : {};
    const cpu = cpuMs(worker.pid) - cpuBefore;
    const served = worker.counters ? (after.requests ?? 0) - (before.requests ?? 0) : result.requests;
    const ops = {};
    for (const k of Object.keys(after)) if (k !== "requests") ops[k] = (after[k] ?? 0) - (before[k] ?? 0);
    const statuses = result.statuses;
    const fiveXx = Object.entries(statuses).filter(([code]) => Number(code) >= 500).reduce((n, [, c]) => n + c, 0);
    const non2xx = Object.entries(statuses).filter(([code]) => Number(code) < 200 || Number(code) >= 300).reduce((n, [, c]) => n + c, 0);
    const socketErrors = Object.values(result.errors).reduce((a, b) => a + b, 0) - result.errors.status;
    const record = {
      scenario: scenario.id,
      conns,
      rep,
      seconds,
      rps: result.rps,
      latencyMs: result.latencyMs,
      requests: result.requests,
      served,
      cpuMsPerRequest: served ? cpu / served : NaN,
      peakRssMiB: peakRssMiB(worker.pid),
      statuses,
      fiveXx,
      errors: non2xx + socketErrors,
      exhausted: result.exhausted,
      ops,
    };
    runs.push(record);
    log(
      `${key.padEnd(30)} rep ${rep}: ${record.rps.toFixed(0).padStart(5)} req/s, p50 ${record.latencyMs.p50.toFixed(1)} ms, p99 ${record.latencyMs.p99.toFixed(1)} ms, ` +
        `${record.cpuMsPerRequest.toFixed(2)} CPU ms/req, ${record.errors} errors${result.exhausted ? `, pool exhausted ×${result.exhausted}` : ""}`,
    );
    return record;
  }

  const targets = all.filter((s) => s.group === "target");
  const context = all.filter((s) => s.group === "context");
  // Each target scenario beside its floor, in slices that take turns (measureTogether), the order
  // rotating from slice to slice: this machine's speed drifts by ±20 % within seconds to tens of
  // seconds, so only a ratio of runs measured over the same stretch of time means anything.
  // A scenario `besides` another runs in that one's group, when both were chosen.
  const heads = targets.filter((s) => s.floor && !(s.besides && byId[s.besides]));
  const groups = heads.map((s) => [byId[s.floor], s, ...targets.filter((o) => o.besides === s.id)].filter(Boolean));
  const unpaired = targets.filter((s) => !s.floor && !groups.some((group) => group[0].id === s.id));
  for (let rep = 1; rep <= plan.reps; rep++) {
    for (const conns of plan.conns) {
      for (const group of groups) {
        if (group.length > 1 && plan.slices > 1) await measureTogether(group, conns, rep, plan.seconds, plan.slices);
        else for (const s of rotated(group, rep - 1)) await measure(s, conns, rep, plan.seconds);
      }
      for (const s of unpaired) await measure(s, conns, rep, plan.seconds);
    }
  }
  for (const conns of plan.conns) for (const s of context) await measure(s, conns, 1, plan.contextSeconds);

  // 5. The burst: N simultaneous token requests over 1, 10, 1000 keys.
  const bursts = [];
  if (plan.burst > 0 && (!only || only.includes("burst") || mode === "smoke")) {
    for (const keys of plan.burstKeys) {
      const before = cpuMs(workers.product.pid);
      const b = await burst({ url, client: ctx.clients.confidential, requests: plan.burst, keys, prefix: `burst-${keys}-${Date.now()}` });
      b.cpuS = (cpuMs(workers.product.pid) - before) / 1000;
      bursts.push(b);
      log(`burst ${b.requests} requests over ${keys} keys: drained in ${b.drainS.toFixed(2)} s, ${b.fiveXx} 5xx, ${b.failed} failed, ${b.exactlyOne}/${b.keysWithTokens} keys with exactly one live token`);
    }
  }

  // 6. The password hash alone: PBKDF2-SHA256 at the product's iteration count, in the product's isolate.
  let pbkdf2 = null;
  if (!only || only.includes("password")) {
    const iterations = Number(/PBKDF2_ITERATIONS\s*=\s*([\d_]+)/.exec(readFileSync(join(PRODUCT, "src", "registry", "password-hash.ts"), "utf8"))?.[1]?.replace(/_/g, "") ?? 100000);
    const times = mode === "smoke" ? 2 : 20;
    await fetch(`${url}/__bench/pbkdf2?iterations=${iterations}&times=2`);
    const before = cpuMs(workers.product.pid);
    await fetch(`${url}/__bench/pbkdf2?iterations=${iterations}&times=${times}`);
    pbkdf2 = { iterations, cpuMsPerHash: (cpuMs(workers.product.pid) - before) / times };
    log(`PBKDF2-SHA256 × ${iterations}: ${pbkdf2.cpuMsPerHash.toFixed(1)} CPU ms per hash`);
  }

  // 7. Where the product's time goes: CPU profiles of its isolate, on a separate, inspectable
  // instance that serves the plain deploy bundle (no counting wrapper, so the time of each binding
  // call is charged to the product's own frame that made it).
  const profiles = [];
  if (plan.profile && (!only || only.includes("profile"))) {
    const main = join(built.product.outdir, built.product.main);
    const inspectable = await serve({
      name: "product",
      configPath: CONFIGS.product,
      modules: [{ type: "ESModule", path: main, contents: readFileSync(main, "utf8") }],
      modulesRoot: built.product.outdir,
      bindings: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "admin" },
      persistDir: join(tmp, "state", "product-profiled"),
      inspector: true,
    });
    try {
      const pctx = await productContext(inspectable.url);
      const ps = Object.fromEntries(scenarios(pctx).map((s) => [s.id, s]));
      for (const id of ["introspect-client-opaque", "cc-hot", "cc-new"]) {
        const s = ps[id];
        await runWrk({ url: inspectable.url, connections: 16, seconds: 1, request: await s.request({ run: `pw${id}`, conns: 16, seconds: 1 }) });
        const request = await s.request({ run: `p${id}`, conns: 16, seconds: 4 });
        const cpuBefore = cpuMs(inspectable.pid);
        const { profile, result } = await profileWhile(inspectable.mf, "product", () => runWrk({ url: inspectable.url, connections: 16, seconds: 4, request }));
        const cpu = cpuMs(inspectable.pid) - cpuBefore;
        const file = join(tmp, `profile-${id}.cpuprofile`);
        saveProfile(file, profile);
        const summary = summarise(profile, main, result.requests);
        profiles.push({ id, title: s.title, rps: result.rps, processCpuMsPerRequest: cpu / result.requests, file, ...summary });
        log(`profiled ${id}: ${(cpu / result.requests).toFixed(2)} process CPU ms/req, ${summary.busyMsPerRequest.toFixed(2)} ms/req in the product's isolate`);
      }
    } finally {
      await inspectable.dispose();
    }
  }

  // 8. The table.
  const machine = machineInfo();
  const results = { mode, plan, date: new Date().toISOString(), machine, bundles: built, runs, bursts, pbkdf2, profiles, mintRates: ctx.mintRates, loadEnd: loadavg() };
  const markdown = report(results, byId);
  console.log(markdown);
  const out = args.out ?? (mode === "full" ? join(ROOT, "bench", "results", "latest.md") : join(tmpdir(), `oauth-bench-${mode}.md`));
  mkdirSync(join(out, ".."), { recursive: true });
  writeFileSync(out, markdown);
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
  log(`written to ${out}${args.json ? ` and ${args.json}` : ""}; total ${((performance.now() - T0) / 1000).toFixed(0)} s`);
  const serverErrors = runs.reduce((n, r) => n + r.fiveXx, 0) + bursts.reduce((n, b) => n + b.fiveXx, 0);
  if (serverErrors > 0) log(`WARNING: ${serverErrors} 5xx responses`);
} catch (error) {
  console.error(error);
  for (const w of Object.values(workers)) if (w.logs.length) console.error(`last logs of ${w.name}:`, JSON.stringify(w.logs.slice(-5)));
  exitCode = 1;
} finally {
  await Promise.allSettled(Object.values(workers).map((w) => w.dispose()));
  if (!args.keep) rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
}
process.exit(exitCode);

function oidcProviderInstalled() {
  try {
    readFileSync(join(ROOT, "node_modules", "oidc-provider", "package.json"));
    return true;
  } catch {
    return false;
  }
}

/** node-oidc-provider in its own Node.js process (bench/oidc-provider/server.mjs), for context. */
async function startOidcProvider() {
  const child = spawn(process.execPath, [join(ROOT, "bench", "oidc-provider", "server.mjs")], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`oidc-provider exited ${code}`)));
  });
  return {
    name: "oidc-provider",
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    logs: [],
    counters: null,
    dispose: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

/** Scenario definitions need a context only for their requests; this one serves to list them. */
function dummyContext() {
  return { clients: { confidential: {} }, tokens: {}, user: {} };
}

/** Clients, a SCIM user, tokens to introspect and the code flow's session, on a fresh product. */
async function productContext(url) {
  const confidential = await registerClient(url, { grant_types: ["client_credentials", "password", "refresh_token"] });
  const jwt = await registerClient(url, { grant_types: ["client_credentials"], access_token_format: "jwt" });
  const code = await registerClient(url, { grant_types: ["authorization_code", "refresh_token"], token_endpoint_auth_method: "none", redirect_uris: [REDIRECT_URI] });
  const user = { userName: "bench-user", password: "bench correct horse battery" };
  await createScimUser(url, user.userName, user.password);
  const opaque = (await tokenRequest(url, confidential.authorization, { grant_type: "client_credentials", scope: "bench-introspect" })).access_token;
  const jwtToken = (await tokenRequest(url, jwt.authorization, { grant_type: "client_credentials", scope: "bench-introspect" })).access_token;
  for (const t of [opaque, jwtToken]) if ((await introspect(url, confidential.authorization, t)).active !== true) throw new Error("a fixture token is not active");
  const flow = await codeFlow(url, code, user, "bench-code");
  // One redemption before the timed runs, so the code path is not cold.
  await tokenRequest(url, null, Object.fromEntries(new URLSearchParams(flow.tokenBody(flow.first))));
  const mintRates = [];
  return {
    product: { url },
    clients: { confidential, jwt, code },
    tokens: { opaque, jwt: jwtToken },
    user,
    codeFlow: flow,
    tmp,
    mintRates,
    noteMint: (rps, count) => mintRates.push({ rps, count }),
    estimate: () => 500,
  };
}

function machineInfo() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const version = (pkg) => JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  let workerd = `workerd (npm ${version("workerd")})`;
  try {
    workerd = `${execFileSync(join(ROOT, "node_modules", ".bin", "workerd"), ["--version"], { encoding: "utf8" }).trim()} (npm ${version("workerd")})`;
  } catch {
    // the package version will do
  }
  let revision = "unknown";
  try {
    const head = execFileSync("git", ["-C", PRODUCT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["-C", PRODUCT, "status", "--porcelain", "--", "src", "wrangler.toml"], { encoding: "utf8" }).split("\n").filter(Boolean).length;
    revision = `${head}${dirty ? ` + ${dirty} uncommitted file${dirty > 1 ? "s" : ""} in src/ and wrangler.toml` : ""}`;
  } catch {
    // not a git checkout
  }
  return {
    product: PRODUCT === ROOT ? `this checkout at ${revision}` : `${PRODUCT} at ${revision}`,
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpu: model,
    memGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))[1]) / 1024 / 1024),
    node: process.version,
    workerd,
    wrangler: version("wrangler"),
    miniflare: version("miniflare"),
    wrk: wrkVersion(),
    loadStart: LOAD_START,
  };
}

/** One side of a sliced group: its wrk results as one (counts summed, latency the median over slices). */
function merged(results) {
  const sum = (pick) => results.reduce((n, r) => n + pick(r), 0);
  const add = (pick) => {
    const total = {};
    for (const r of results) for (const [k, v] of Object.entries(pick(r) ?? {})) total[k] = (total[k] ?? 0) + v;
    return total;
  };
  const requests = sum((r) => r.requests);
  const durationS = sum((r) => r.durationS);
  const latency = (name) => median(results.map((r) => r.latencyMs[name]));
  return {
    requests,
    durationS,
    rps: requests / durationS,
    latencyMs: { mean: latency("mean"), p50: latency("p50"), p90: latency("p90"), p99: latency("p99"), max: Math.max(...results.map((r) => r.latencyMs.max)) },
    statuses: add((r) => r.statuses),
    errors: add((r) => r.errors),
    exhausted: sum((r) => r.exhausted ?? 0),
  };
}

/** `items` rotated left by `by` (for two items: as given, then swapped, then as given, …). */
function rotated(items, by) {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
