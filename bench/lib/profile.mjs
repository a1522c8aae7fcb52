// CPU profile of a Worker's isolate through the V8 inspector that Miniflare exposes
// (`inspectorPort`), taken while a scenario runs, then summarised against the bundle's source map:
// self time by function and by source file, and inclusive time by source file (time spent in or
// under a file's functions), so the profile reads in src/ terms.
import { readFileSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename } from "node:path";

function connect(wsUrl) {
  const ws = new WebSocket(wsUrl);
  let id = 0;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(typeof event.data === "string" ? event.data : Buffer.from(event.data).toString());
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(message.error.message));
      else resolve(message.result);
    }
  });
  const opened = new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${wsUrl}`)), { once: true });
  });
  return {
    opened,
    send(method, params = {}) {
      const messageId = ++id;
      ws.send(JSON.stringify({ id: messageId, method, params }));
      return new Promise((resolve, reject) => pending.set(messageId, { resolve, reject }));
    },
    close: () => ws.close(),
  };
}

/** Profiles `workerName`'s isolate while `during()` runs; returns the raw V8 profile. */
export async function profileWhile(mf, workerName, during, samplingIntervalUs = 200) {
  const inspector = await mf.getInspectorURL();
  const targets = await (await fetch(`http://${inspector.host}/json`)).json();
  const target = targets.find((t) => t.id === `core:user:${workerName}` || t.title?.includes(workerName)) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const session = connect(target.webSocketDebuggerUrl ?? `ws://${inspector.host}/${target.id}`);
  await session.opened;
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await session.send("Profiler.start");
  let result;
  let stopped;
  try {
    result = await during();
  } finally {
    stopped = await session.send("Profiler.stop");
    session.close();
  }
  return { profile: stopped.profile, result };
}

/** Maps bundle positions to src/ positions with the bundle's source map. */
function sourceMapper(bundlePath) {
  let map = null;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")));
  } catch {
    map = null;
  }
  const bundleName = basename(bundlePath);
  return (frame) => {
    const url = frame.url ?? "";
    if (!url) return { file: frame.functionName.startsWith("(") ? frame.functionName : "(native)", name: frame.functionName || "(anonymous)" };
    if (map && url.endsWith(bundleName)) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry && entry.originalSource) {
        const source = entry.originalSource.replace(/^.*?(node_modules\/|src\/)/, (_m, dir) => dir);
        return { file: source, name: frame.functionName || entry.name || "(anonymous)", line: entry.originalLine + 1 };
      }
    }
    return { file: basename(url), name: frame.functionName || "(anonymous)", line: frame.lineNumber + 1 };
  };
}

/** Groups a node_modules path by package (hono/dist/… → hono). */
function area(file) {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? `${m[1]} (dependency)` : file;
}

/**
 * Summary of a profile: total sampled ms, idle ms, and the top entries of self time by function,
 * self time by file and inclusive time by file (each sample counted once per file in its stack).
 */
export function summarise(profile, bundlePath, requests, top = 15) {
  const map = sourceMapper(bundlePath);
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const mapped = new Map(profile.nodes.map((n) => [n.id, map(n.callFrame)]));
  const selfByFunction = new Map();
  const selfByFile = new Map();
  const inclusiveByFile = new Map();
  let totalMs = 0;
  let idleMs = 0;
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  profile.samples.forEach((nodeId, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const frame = mapped.get(nodeId);
    if (frame.name === "(idle)") {
      idleMs += ms;
      return;
    }
    totalMs += ms;
    add(selfByFunction, `${frame.name} — ${area(frame.file)}${frame.line && !frame.file.startsWith("node_modules") ? `:${frame.line}` : ""}`, ms);
    add(selfByFile, area(frame.file), ms);
    const seen = new Set(["(root)", "(native)", "(program)"]);
    for (let id = nodeId; id !== undefined; id = parent.get(id)) {
      const f = area(mapped.get(id).file);
      if (!seen.has(f)) {
        seen.add(f);
        add(inclusiveByFile, f, ms);
      }
    }
  });
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, msPerRequest: requests ? ms / requests : null, share: totalMs ? ms / totalMs : 0 }));
  return { totalMs, idleMs, requests, busyMsPerRequest: requests ? totalMs / requests : null, selfByFunction: rank(selfByFunction), selfByFile: rank(selfByFile), inclusiveByFile: rank(inclusiveByFile) };
}

export function saveProfile(path, profile) {
  writeFileSync(path, JSON.stringify(profile));
}
