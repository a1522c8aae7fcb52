import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three projects: everything inside workerd through the Workers Vitest integration, static checks
// of the source tree (layers, file sizes) in Node, and the end-to-end scenarios in Node against a
// real `wrangler dev`.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Secrets are not in wrangler.toml; tests use the local development defaults.
            miniflare: { bindings: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "admin", TOKEN_SECRET: "test-token-secret-0123456789-0123456789" } },
          }),
        ],
        test: { name: "workers", include: ["test/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: { name: "static", include: ["test/static/*.test.ts"], environment: "node" },
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
