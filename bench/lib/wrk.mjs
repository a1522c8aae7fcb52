// Runs Debian's wrk (one thread, keep-alive connections, bounded in time) with bench/lua/driver.lua,
// and returns its figures. wrk costs little CPU, which matters on a 2-core machine where the load
// generator and workerd share the cores.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths.mjs";

const DRIVER = join(ROOT, "bench", "lua", "driver.lua");

export function wrkVersion() {
  const result = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (result.error) return null;
  return /wrk\s+(\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? "unknown";
}

/**
 * One wrk run. `request`: { method, path, headers: {name: value}, mode, body, template, pool,
 * prefix } (see driver.lua). Returns { requests, durationS, rps, latencyMs: {p50, p90, p99, max,
 * mean}, statuses: {code: n}, errors: {...}, exhausted }.
 */
export function runWrk({ url, connections, seconds, request, timeoutS = 10 }) {
  const threads = 1;
  const env = {
    ...process.env,
    BENCH_MODE: request.mode ?? "static",
    BENCH_METHOD: request.method ?? "POST",
    BENCH_PATH: request.path,
    BENCH_HEADERS: Object.entries(request.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
    BENCH_BODY: request.body ?? "",
    BENCH_TEMPLATE: request.template ?? "",
    BENCH_PREFIX: request.prefix ?? "b",
    BENCH_THREADS: String(threads),
    ...(request.pool ? { BENCH_POOL: request.pool } : {}),
  };
  const args = ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", `${timeoutS}s`, "-s", DRIVER, `${url}${request.path}`];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("BENCHJSON "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}:\n${output}`));
      const raw = JSON.parse(line.slice("BENCHJSON ".length));
      const durationS = raw.duration_us / 1e6;
      const ms = (us) => us / 1000;
      resolve({
        requests: raw.requests,
        durationS,
        rps: raw.requests / durationS,
        latencyMs: { mean: ms(raw.latency_us.mean), p50: ms(raw.latency_us.p50), p90: ms(raw.latency_us.p90), p99: ms(raw.latency_us.p99), max: ms(raw.latency_us.max) },
        statuses: raw.statuses,
        errors: raw.errors,
        exhausted: raw.exhausted,
      });
    });
  });
}
