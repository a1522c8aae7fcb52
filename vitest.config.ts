import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: everything inside workerd through the Workers Vitest integration, and the
// end-to-end scenario in Node against a real `wrangler dev`.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Secrets are not in wrangler.toml; tests use the local development defaults.
            miniflare: { bindings: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "admin" } },
          }),
        ],
        test: { name: "workers", include: ["test/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
