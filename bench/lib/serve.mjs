// Serves a built Worker directly in workerd through Miniflare's API — no `wrangler dev` proxy: a
// direct socket of workerd goes straight to the Worker's own service. Bindings come from the
// Worker's wrangler.toml (wrangler's `unstable_getMiniflareWorkerOptions`, as the Workers Vitest
// integration reads it); local Durable Object and KV storage live in a temp directory.
//
// Miniflare 5 (the one wrangler 4 ships) takes the new `workers[].config` shape; the classic
// options (modules, durableObjects, kvNamespaces, unsafeDirectSockets) are still accepted through
// `convertV4MiniflareOptions`, which is what wrangler itself calls.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/** Durable Object class names and the rest of the Worker's options, from its wrangler.toml. */
export function workerOptionsOf(configPath) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const { rootPath: _root, modulesRules: _rules, ...options } = workerOptions;
  const classNames = [...new Set(Object.values(options.durableObjects ?? {}).map((d) => (typeof d === "string" ? d : d.className)))];
  return { options, classNames };
}

function workerdChildren() {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && comm === "workerd") pids.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** utime + stime of a process, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (`echo 5 > clear_refs`). */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS (VmHWM) in MiB. */
export function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/**
 * Starts one Worker in its own workerd process. `modules` are the bench build's modules (entry
 * first); `bindings` are added to (and override) those of wrangler.toml.
 */
export async function serve({ name, configPath, modules, modulesRoot, bindings = {}, persistDir, inspector = false }) {
  const { options } = workerOptionsOf(configPath);
  const logs = [];
  const before = new Set(workerdChildren());
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: persistDir,
      cf: { colo: "LHR", country: "GB" },
      log: new Log(LogLevel.WARN),
      handleStructuredLogs: (entry) => {
        logs.push(entry);
        if (logs.length > 200) logs.shift();
      },
      ...(inspector ? { inspectorPort: 0 } : {}),
      workers: [
        {
          ...options,
          name,
          modulesRoot,
          modules,
          bindings: { ...(options.bindings ?? {}), ...bindings },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  const url = await mf.unsafeGetDirectURL(name);
  const started = workerdChildren().filter((pid) => !before.has(pid));
  if (started.length !== 1) throw new Error(`expected one new workerd process for ${name}, found ${started.length}`);
  return {
    name,
    mf,
    url: url.href.replace(/\/$/, ""),
    pid: started[0],
    logs,
    async counters() {
      const response = await fetch(`${this.url}/__bench/counters`);
      if (!response.ok) throw new Error(`counters of ${name}: ${response.status}`);
      return response.json();
    },
    dispose: () => mf.dispose(),
  };
}

export { CLK_TCK };
