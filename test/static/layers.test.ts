import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of src/, highest first (README "Layout"). A module may import its own directory and
 * any directory of a lower layer, never one of its own layer or above. The root files (index.ts,
 * the Worker entry, and env.ts, the binding types) wire everything together and are exempt.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["http"],
  ["oauth", "scim"],
  ["grant-object", "registry", "browser", "proofs"],
  ["keys"],
  ["store"],
  ["tokens"],
  ["config", "text", "runtime"],
  ["protocol"],
];
const MAX_LINES = 250;

const SRC = resolve(__dirname, "../../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

function layerOf(directory: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(directory));
  if (index === -1) throw new Error(`src/${directory} is in no layer: add it to LAYERS and README`);
  return index;
}

/** The top directory under src/ of a file, or null for the root files. */
function topDirectory(file: string): string | null {
  const parts = relative(SRC, file).split("/");
  return parts.length > 1 ? parts[0]! : null;
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers = [...source.matchAll(/(?:import|export)[^"';]*?from\s+["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s));
}

describe("layout (README: Layout)", () => {
  const sources = files(SRC);

  it("every directory of src/ imports only its own directory and lower layers", () => {
    const violations: string[] = [];
    for (const file of sources) {
      const from = topDirectory(file);
      if (from === null) continue;
      for (const target of importsOf(file)) {
        const to = topDirectory(target);
        if (to === null) {
          if (!/\/env$/.test(target)) violations.push(`${relative(SRC, file)} imports the root module ${relative(SRC, target)}`);
          continue;
        }
        if (to !== from && layerOf(to) <= layerOf(from)) violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it(`no file of src/ is longer than ${MAX_LINES} lines`, () => {
    const long = sources
      .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
