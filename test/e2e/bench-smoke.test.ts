import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm run bench` (SPEC §8, §9) in its tiny mode: a second per scenario, four scenarios, a
 * 20-request burst. Proves the harness builds, serves, drives and reports; no timing is asserted.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const hasWrk = !spawnSync("wrk", ["--version"]).error;
if (!hasWrk) console.warn("bench smoke test skipped: wrk is not installed (apt-get install wrk; .ci/run installs it)");

interface Run {
  scenario: string;
  rps: number;
  cpuMsPerRequest: number;
  fiveXx: number;
  errors: number;
  served: number;
}

describe.skipIf(!hasWrk)("npm run bench -- --smoke", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints a table with numbers, and no request answered 5xx", async () => {
    const markdownPath = join(dir, "smoke.md");
    const jsonPath = join(dir, "smoke.json");
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ["scripts/bench.mjs", "--smoke", "--out", markdownPath, "--json", jsonPath], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("exit", (exitCode) => resolve({ code: exitCode, output: text }));
    });
    expect(code, output).toBe(0);

    const markdown = readFileSync(markdownPath, "utf8");
    expect(markdown).toMatch(/^\| introspection, opaque token, client Basic caller \| 1 \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/m);
    expect(markdown).toMatch(/^\| client_credentials renewal, one hot key \| 1 \| \d+ \|/m);
    expect(markdown).toContain("## Operations per request");
    expect(markdown).toContain("## Platform cost per million requests");

    const results = JSON.parse(readFileSync(jsonPath, "utf8")) as {
      runs: Run[];
      bursts: { requests: number; keys: number; fiveXx: number; failed: number; exactlyOne: number; keysWithTokens: number; liveIsLast: number; arrivedAfterLive: number }[];
    };
    expect(results.runs.map((r) => r.scenario).sort()).toEqual(["cc-hot", "floor-do-hot", "floor-kv", "introspect-client-opaque"]);
    for (const run of results.runs) {
      expect(run.rps, run.scenario).toBeGreaterThan(0);
      expect(run.served, run.scenario).toBeGreaterThan(0);
      expect(Number.isFinite(run.cpuMsPerRequest), run.scenario).toBe(true);
      expect(run.fiveXx, run.scenario).toBe(0);
      expect(run.errors, run.scenario).toBe(0);
    }
    expect(results.bursts.map((b) => b.keys)).toEqual([2]);
    for (const b of results.bursts) {
      expect(b.fiveXx).toBe(0);
      expect(b.failed).toBe(0);
      expect(b.keysWithTokens).toBe(b.keys);
      expect(b.exactlyOne).toBe(b.keysWithTokens);
      // The arrival-order columns agree with each other: no key had an answer arrive after its
      // live token's exactly when the live token arrived last for every key.
      expect(b.liveIsLast).toBeLessThanOrEqual(b.exactlyOne);
      expect(b.arrivedAfterLive).toBeGreaterThanOrEqual(0);
      expect(b.arrivedAfterLive).toBeLessThan(b.requests / b.keys);
      expect(b.arrivedAfterLive === 0).toBe(b.liveIsLast === b.exactlyOne);
    }
  }, 90_000);
});
