// The Markdown report of `npm run bench`: throughput and latency with the ratio to each floor
// measured in the same run, operations per request (counted at the bindings) against SPEC §9's
// limits, platform cost per million requests, the burst, the password hash, bundle size, profiles.
import { cost, PRICES, PRICES_TAKEN } from "../prices.mjs";

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const money = (x) => (Number.isFinite(x) ? `$${x < 0.01 && x > 0 ? x.toFixed(4) : x.toFixed(2)}` : "unknown");
const sum = (o, pred) => Object.entries(o).filter(([k]) => pred(k)).reduce((n, [, v]) => n + v, 0);

/** Per request operation counts of a set of runs (all their requests together). */
export function opsPerRequest(runs) {
  const served = runs.reduce((n, r) => n + r.served, 0);
  const total = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.ops)) total[k] = (total[k] ?? 0) + v;
  const per = (pred) => (served ? sum(total, pred) / served : NaN);
  const detail = (prefix) =>
    Object.entries(total)
      .filter(([k, v]) => k.startsWith(prefix) && v > 0)
      .map(([k, v]) => `${k.slice(prefix.length)} ${f(v / served, 2)}`)
      .join(", ");
  return {
    served,
    workerToDo: per((k) => k.startsWith("do:worker:")),
    doToDo: per((k) => k.startsWith("do:do:")),
    doMs: per((k) => k.startsWith("doms:")),
    kvReads: per((k) => /^kv:[^:]+:(get|getWithMetadata)$/.test(k)),
    kvKeysRead: per((k) => k.startsWith("kvkeys:")),
    kvWrites: per((k) => /^kv:[^:]+:(put|delete)$/.test(k)),
    kvLists: per((k) => /^kv:[^:]+:list$/.test(k)),
    rowsWritten: per((k) => k === "sql:rowsWritten"),
    rowsRead: per((k) => k === "sql:rowsRead"),
    sqlStatements: per((k) => k === "sql:exec"),
    alarms: per((k) => k === "storage:setAlarm"),
    doDetail: [detail("do:worker:"), detail("do:do:")].filter(Boolean).join("; "),
    sqlWrites: Object.entries(total)
      .filter(([k, v]) => k.startsWith("sqlw:") && v > 0)
      .map(([k, v]) => ({ statement: k.slice(5), perRequest: v / served }))
      .sort((a, b) => b.perRequest - a.perRequest),
    sqlReads: Object.entries(total)
      .filter(([k, v]) => k.startsWith("sqlr:") && v > 0)
      .map(([k, v]) => ({ statement: k.slice(5), perRequest: v / served }))
      .sort((a, b) => b.perRequest - a.perRequest),
    sqlExecs: Object.entries(total)
      .filter(([k, v]) => k.startsWith("sqlx:") && v > 0)
      .map(([k, v]) => ({ statement: k.slice(5), perRequest: v / served }))
      .sort((a, b) => b.perRequest - a.perRequest),
    kvDetail: detail("kv:"),
  };
}

function summarise(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.latencyMs.p50)),
    p99: median(runs.map((r) => r.latencyMs.p99)),
    cpu: median(runs.map((r) => r.cpuMsPerRequest)),
    rss: Math.max(...runs.map((r) => r.peakRssMiB)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    fiveXx: runs.reduce((n, r) => n + r.fiveXx, 0),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    reps: runs.length,
    exhausted: runs.reduce((n, r) => n + (r.exhausted ?? 0), 0),
  };
}

/** The ratio of each repetition to the floor's run of that repetition; empty unless every run has one. */
function pairedRatios(runs, floorRuns) {
  const paired = runs
    .map((r) => {
      const floor = floorRuns.find((fr) => fr.rep === r.rep && fr.seconds === r.seconds);
      return floor ? r.rps / floor.rps : NaN;
    })
    .filter(Number.isFinite);
  return paired.length === runs.length ? paired : [];
}

/** Ratio to the floor: paired by repetition where both ran in it (median), else medians' ratio. */
function ratioOf(runs, floorRuns) {
  const paired = pairedRatios(runs, floorRuns);
  if (paired.length > 0) return median(paired);
  return median(runs.map((r) => r.rps)) / median(floorRuns.map((r) => r.rps));
}

/** " (lowest–highest)" of the paired ratios, when there are several: how far one repetition alone could be off. */
function ratioRange(runs, floorRuns) {
  const paired = pairedRatios(runs, floorRuns);
  return paired.length > 1 ? ` (${f(Math.min(...paired), 2)}–${f(Math.max(...paired), 2)})` : "";
}

function costPerMillion(ops, cpuMs) {
  const m = 1e6;
  const parts = {
    workerRequests: cost(PRICES.workerRequest, m),
    workerCpu: cost(PRICES.workerCpuMs, cpuMs * m),
    doRequests: cost(PRICES.durableObjectRequest, (ops.workerToDo + ops.doToDo) * m),
    doDuration: cost(PRICES.durableObjectGbSecond, PRICES.durableObjectGbSecond.memoryGb * (ops.doMs / 1000) * m),
    kvReads: cost(PRICES.kvRead, ops.kvReads * m),
    kvWrites: cost(PRICES.kvWrite, (ops.kvWrites + ops.kvLists) * m),
    sqlite: cost(PRICES.sqliteRowWritten, (ops.rowsWritten + ops.alarms) * m) + cost(PRICES.sqliteRowRead, ops.rowsRead * m),
  };
  parts.total = Object.values(parts).reduce((a, b) => a + b, 0);
  return parts;
}

export function report(results, byId) {
  const { runs, machine, plan } = results;
  const lines = [];
  const push = (...l) => lines.push(...l);
  const ids = [...new Set(runs.map((r) => r.scenario))];
  const runsOf = (id, conns) => runs.filter((r) => r.scenario === id && (conns === undefined || r.conns === conns));
  const conns = [...new Set(runs.map((r) => r.conns))].sort((a, b) => a - b);

  push(`# npm run bench — ${results.date.slice(0, 10)} (${results.mode})`, "");
  push(`Product: ${machine.product}.`, "");
  push(
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGiB} GiB; node ${machine.node}, ${machine.workerd}, wrangler ${machine.wrangler}, miniflare ${machine.miniflare}, wrk ${machine.wrk}. ` +
      `Load average at start ${machine.loadStart.map((x) => x.toFixed(2)).join(" ")}, at end ${results.loadEnd.map((x) => x.toFixed(2)).join(" ")}.`,
    "",
  );
  push(
    `Each Worker is bundled by \`wrangler deploy --dry-run --outdir\` and served by its own workerd process through Miniflare's API with a direct socket (no \`wrangler dev\` proxy), local Durable Object and KV storage in a temp directory. ` +
      `wrk, 1 thread, keep-alive, on loopback. Target scenarios: ${plan.reps} × ${plan.seconds} s beside their floor${plan.slices > 1 ? `, in ${plan.slices} slices of ${plan.seconds / plan.slices} s taking turns with the floor's (and a context floor's, where one runs beside them), the order rotating from slice to slice, so all share the same stretch of time` : ""}; medians (ratios paired by repetition; a sliced run's latency is the median over its slices); context scenarios: 1 × ${plan.contextSeconds} s. ` +
      `CPU ms/req is the workerd process's utime+stime (/proc) over the requests it served — it includes Miniflare's local KV and Durable Object simulators, which run in the same process. Peak RSS is the process's VmHWM, reset before each run (it grows with the local storage the run has written). ` +
      "The last column is the floor's CPU ms/req over the product's: what the throughput ratio would be if both were CPU-bound; it moves much less than req/s when other work shares the 2 cores.",
    "",
  );

  // Throughput.
  push("## Throughput and latency", "");
  push("| scenario | conns | req/s | p50 ms | p99 ms | CPU ms/req | peak RSS MiB | errors (5xx) | floor | product / floor (req/s; range over repetitions) | SPEC §9 target | floor / product (CPU ms/req) |");
  push("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|");
  for (const id of ids) {
    const s = byId[id];
    for (const c of conns) {
      const rs = runsOf(id, c);
      if (rs.length === 0) continue;
      const m = summarise(rs);
      let ratio = "";
      let target = "";
      let cpuRatio = "";
      if (s.floor && runsOf(s.floor, c).length) {
        const r = ratioOf(rs, runsOf(s.floor, c));
        ratio = f(r, 2) + ratioRange(rs, runsOf(s.floor, c));
        if (s.target) target = `≥ ${s.target.toFixed(2)} ${r >= s.target ? "✅ met" : "❌ missed"}`;
        cpuRatio = f(summarise(runsOf(s.floor, c)).cpu / m.cpu, 2);
      }
      const errors = `${m.errors} (${m.fiveXx})${m.exhausted ? ` ⚠ pool ran out ×${m.exhausted}` : ""}`;
      push(`| ${s.title}${m.reps > 1 ? ` (${m.reps}×)` : ""} | ${c} | ${f(m.rps)} | ${f(m.p50, 1)} | ${f(m.p99, 1)} | ${f(m.cpu, 2)} | ${f(m.rss)} | ${errors} | ${s.floor ? (byId[s.floor]?.short ?? s.floor) : "—"} | ${ratio} | ${target} | ${cpuRatio} |`);
    }
  }
  push("");

  // Context floors measured in the same slices as a target: the target against them too.
  const besides = ids.filter((id) => byId[id].besides && ids.includes(byId[id].besides));
  if (besides.length) {
    push("### Beside a context floor", "");
    push("A context floor measured in the same slices as a target and its floor (paired by repetition, like the rows above): how much of the gap to the SPEC §9 floor the context floor already shows, and how the product compares with it.", "");
    push("| context floor | conns | it / its floor (req/s) | product scenario | product / it (req/s) |");
    push("|---|---:|---:|---|---:|");
    for (const id of besides) {
      const s = byId[id];
      for (const c of conns) {
        const own = runsOf(id, c);
        const host = runsOf(s.besides, c);
        if (own.length === 0 || host.length === 0) continue;
        const toFloor = runsOf(s.floor, c);
        const vsFloor = toFloor.length ? f(ratioOf(own, toFloor), 2) + ratioRange(own, toFloor) : "";
        push(`| ${s.title} | ${c} | ${vsFloor} | ${byId[s.besides].title} | ${f(ratioOf(host, own), 2)}${ratioRange(host, own)} |`);
      }
    }
    push("");
  }

  // Operations.
  push("## Operations per request (counted at the bindings)", "");
  push("Counted by the bench build's wrapper around the Worker's bindings (bench/lib/instrument.js), over every request of the scenario's runs; SQLite rows as workerd's `cursor.rowsWritten` / `rowsRead` report them.", "");
  push("| scenario | Worker → DO calls | DO → DO calls | KV reads (keys) | KV writes | SQLite rows written | SQLite rows read | SPEC §9 limit | within |");
  push("|---|---:|---:|---:|---:|---:|---:|---|---|");
  const opsById = {};
  for (const id of ids) {
    const ops = opsPerRequest(runsOf(id));
    opsById[id] = ops;
    const s = byId[id];
    const limits = s.limits ?? {};
    const limitText = [
      limits.kvWrites !== undefined ? `≤ ${limits.kvWrites} KV writes` : null,
      limits.kvReads !== undefined ? `≤ ${limits.kvReads} KV read${limits.kvReads > 1 ? "s" : ""}` : null,
      limits.workerToDo !== undefined ? `≤ ${limits.workerToDo} DO call` : null,
    ].filter(Boolean);
    const within = limitText.length
      ? (limits.kvWrites === undefined || ops.kvWrites <= limits.kvWrites + 0.005) &&
        (limits.kvReads === undefined || ops.kvReads <= limits.kvReads + 0.005) &&
        (limits.workerToDo === undefined || ops.workerToDo + ops.doToDo <= limits.workerToDo + 0.005)
        ? "✅"
        : "❌"
      : "";
    push(`| ${s.title} | ${f(ops.workerToDo, 2)} | ${f(ops.doToDo, 2)} | ${f(ops.kvReads, 2)} (${f(ops.kvKeysRead, 2)}) | ${f(ops.kvWrites, 2)} | ${f(ops.rowsWritten + ops.alarms, 1)} | ${f(ops.rowsRead, 1)} | ${limitText.join(", ")} | ${within} |`);
  }
  push("");
  push("Where the calls go:", "");
  for (const id of ids) {
    const ops = opsById[id];
    if (ops.doDetail || ops.kvDetail) push(`- ${byId[id].title}: ${[ops.doDetail, ops.kvDetail].filter(Boolean).join("; ")}`);
  }
  push("");
  const sqlIds = ids.filter((id) => opsById[id].sqlWrites.length > 0 && byId[id].worker === "product");
  if (sqlIds.length) {
    push("SQLite per request, by statement (rows written; statements run):", "");
    for (const id of sqlIds) {
      const ops = opsById[id];
      push(`- ${byId[id].title}: ${f(ops.sqlStatements, 1)} statements, ${f(ops.rowsWritten, 1)} rows written.`);
      push(`  - rows written: ${ops.sqlWrites.slice(0, 8).map((w) => `\`${w.statement}\` ${f(w.perRequest, 2)}`).join("; ")}`);
      push(`  - most run: ${ops.sqlExecs.slice(0, 6).map((w) => `\`${w.statement}\` ×${f(w.perRequest, 2)}`).join("; ")}`);
      push(`  - rows read: ${ops.sqlReads.slice(0, 4).map((w) => `\`${w.statement}\` ${f(w.perRequest, 1)}`).join("; ")}`);
    }
    push("");
  }

  // Cost.
  push("## Platform cost per million requests (USD, marginal Workers Paid prices)", "");
  push(
    `Prices from Cloudflare's pricing pages as of ${PRICES_TAKEN} (bench/prices.mjs names each page and the documentation source it was read from): Workers $${PRICES.workerRequest.usd}/M requests and $${PRICES.workerCpuMs.usd}/M CPU ms; Durable Objects $${PRICES.durableObjectRequest.usd}/M requests and $${PRICES.durableObjectGbSecond.usd}/M GB-s (128 MB per object); KV $${PRICES.kvRead.usd}/M reads and $${PRICES.kvWrite.usd}/M writes; SQLite $${PRICES.sqliteRowWritten.usd}/M rows written and $${PRICES.sqliteRowRead.usd}/M rows read. ` +
      "Monthly allowances are left out. Worker CPU uses the local process CPU above (an upper bound: it includes the local storage simulators). DO duration uses the Worker-side round trip of each DO call (an upper bound of the object's active time; in production it grows with KV write latency, since the object answers after its KV writes). A bulk KV get is priced as one read, as SPEC §9 counts it (the pricing page does not say how a bulk read is billed).",
    "",
  );
  push("| scenario | Workers requests | Workers CPU | DO requests | DO duration | KV reads | KV writes | SQLite | total per M requests |");
  push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const id of ids) {
    if (byId[id].worker !== "product") continue;
    const c = costPerMillion(opsById[id], median(runsOf(id).map((r) => r.cpuMsPerRequest)));
    push(`| ${byId[id].title} | ${money(c.workerRequests)} | ${money(c.workerCpu)} | ${money(c.doRequests)} | ${money(c.doDuration)} | ${money(c.kvReads)} | ${money(c.kvWrites)} | ${money(c.sqlite)} | **${money(c.total)}** |`);
  }
  push("");

  // Burst.
  if (results.bursts.length) {
    push("## Burst: simultaneous client_credentials requests", "");
    push(
      "All requests sent at once, one connection each (undici), over K keys (scopes of one client); afterwards every token handed out is introspected. " +
        "The last columns compare, per key, when the answer carrying the key's live token arrived (its headers, as the client saw them over separate connections) with the key's other answers: SPEC §2 wants the live token to be the one returned last. The server releases a key's answers in commit order; workerd writes the responses of answers released in the same event-loop turn out of order, and separate connections can cross.",
      "",
    );
    push("| requests | keys | time to drain s | req/s | 5xx | failed | keys with exactly one live token | live token = last answer to arrive | answers that arrived after the live one (most of any key) | ms from the live token's answer to the key's last answer (median, max) | workerd CPU s |");
    push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const b of results.bursts) {
      push(`| ${b.requests} | ${b.keys} | ${f(b.drainS, 2)} | ${f(b.rps)} | ${b.fiveXx} | ${b.failed}${b.errors.length ? ` (${b.errors.join(", ")})` : ""} | ${b.exactlyOne} / ${b.keysWithTokens} ${b.exactlyOne === b.keysWithTokens ? "✅" : "❌"} | ${b.liveIsLast} / ${b.keysWithTokens} | ${b.arrivedAfterLive} | ${f(b.afterLive.median, 1)}, ${f(b.afterLive.max, 1)} | ${f(b.cpuS, 1)} |`);
    }
    push("");
  }

  // Password hash.
  if (results.pbkdf2) {
    const pw = runs.filter((r) => r.scenario === "password");
    const hot = runs.filter((r) => r.scenario === "cc-hot");
    push("## Password grant: the PBKDF2 cost", "");
    push("| PBKDF2-SHA256 iterations | CPU ms per hash (product isolate, /proc) | password grant CPU ms/req | client_credentials hot key CPU ms/req | difference |");
    push("|---:|---:|---:|---:|---:|");
    const pwCpu = median(pw.map((r) => r.cpuMsPerRequest));
    const hotCpu = median(hot.map((r) => r.cpuMsPerRequest));
    push(`| ${results.pbkdf2.iterations.toLocaleString("en")} | ${f(results.pbkdf2.cpuMsPerHash, 1)} | ${f(pwCpu, 1)} | ${f(hotCpu, 2)} | ${f(pwCpu - hotCpu, 1)} |`);
    push("");
  }

  // Bundle.
  push("## Bundle (`wrangler deploy --dry-run --outdir`)", "");
  push("| Worker | wrangler Total Upload KiB | wrangler gzip KiB | main module bytes | gzip -9 bytes | SPEC §9: < 100 KiB gzipped |");
  push("|---|---:|---:|---:|---:|---|");
  for (const [name, b] of Object.entries(results.bundles)) {
    const gz = b.uploadGzipKiB ?? b.gzipBytes / 1024;
    push(`| ${name} | ${f(b.uploadKiB, 2)} | ${f(b.uploadGzipKiB, 2)} | ${b.rawBytes.toLocaleString("en")} | ${b.gzipBytes.toLocaleString("en")} | ${name === "product" ? (gz < 100 ? "✅" : "❌") : ""} |`);
  }
  push("");

  if (results.mintRates?.length) {
    push(`Codes for the authorization_code scenario were minted before its runs through GET /oauth2/authorize with a live session (consent remembered), 8 at a time: ${results.mintRates.map((m) => `${m.count} at ${f(m.rps)}/s`).join(", ")}.`, "");
  }

  // Profiles.
  if (results.profiles.length) {
    push("## Where the product's time goes (CPU profile of its isolate)", "");
    push(
      "V8 sampling profile (200 µs) of the product's isolate through the inspector, on a separate instance, 16 connections × 4 s, mapped to src/ with the bundle's source map. " +
        "\"isolate ms/req\" is JavaScript (and the runtime's work on its behalf) in the product's isolate; the rest of the process CPU is workerd itself and the KV / Durable Object simulators.",
      "",
    );
    for (const p of results.profiles) {
      push(`### ${p.title}`, "");
      push(`${f(p.rps)} req/s; process CPU ${f(p.processCpuMsPerRequest, 2)} ms/req, the product's isolate was busy (sampled wall time) ${f(p.busyMsPerRequest, 2)} ms/req.`, "");
      push("| inclusive (in or under this file) | ms/req | share | | self time by function | ms/req | share |");
      push("|---|---:|---:|---|---|---:|---:|");
      for (let i = 0; i < Math.max(p.inclusiveByFile.length, p.selfByFunction.length); i++) {
        const a = p.inclusiveByFile[i];
        const b = p.selfByFunction[i];
        push(`| ${a ? `${a.name} | ${f(a.msPerRequest, 3)} | ${f(a.share * 100)} %` : " | | "} | | ${b ? `${b.name} | ${f(b.msPerRequest, 3)} | ${f(b.share * 100)} %` : " | | "} |`);
      }
      push("");
    }
  }
  return lines.join("\n");
}
