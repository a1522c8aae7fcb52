#!/usr/bin/env node
// `npm run dev`: local development server (wrangler dev) with the documented local credentials.
// Creates .dev.vars from .dev.vars.example on first run, so admin/admin works without any file
// written by hand; an existing .dev.vars is left as it is. Extra arguments go to wrangler dev.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(join(root, ".dev.vars.example"), devVars);
  console.log("Created .dev.vars from .dev.vars.example (admin/admin, local development only).");
}

const wrangler = join(root, "node_modules", ".bin", "wrangler");
const child = spawn(wrangler, ["dev", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
