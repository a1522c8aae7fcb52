// The scenarios of `npm run bench` (SPEC §9, issue 13). Each runs at 1 and 16 connections; the
// product's scenarios name the floor Worker (SPEC §9) their throughput is compared with, in the
// same run, with the same request bytes on the wire.
//   group "target":  repeated (medians), the ratios SPEC §9 sets targets for
//   group "context": one repetition each, for the rest of the picture
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLIENT as OIDC_CLIENT } from "../oidc-provider/client.mjs";
import { ADMIN_BASIC, basic, FORM, tokenRequest } from "./product.mjs";

const form = (params) => new URLSearchParams(params).toString();

/**
 * `ctx`: { product: {url}, clients: {confidential, jwt, code}, tokens: {opaque, jwt}, user,
 * codeFlow, tmp, estimate(scenarioId, conns) }.
 */
export function scenarios(ctx) {
  const { clients, tokens, user } = ctx;
  const clientAuth = clients.confidential.authorization;
  const introspection = (token, authorization) => ({
    path: "/oauth2/introspect",
    headers: { Authorization: authorization, "Content-Type": FORM },
    body: form({ token }),
  });
  const tokenHeaders = { Authorization: clientAuth, "Content-Type": FORM };
  const hot = { path: "/oauth2/token", headers: tokenHeaders, body: form({ grant_type: "client_credentials", scope: "bench-hot" }) };
  const fresh = (run) => ({ path: "/oauth2/token", headers: tokenHeaders, mode: "counter", prefix: `${run}-`, template: "grant_type=client_credentials&scope=new-{n}" });

  return [
    // Floors of SPEC §9, and the hello-world ceiling.
    { id: "floor-kv", title: "floor (a): 1 KV read", short: "(a) 1 KV read", worker: "floor-kv", group: "target", request: () => introspection(tokens.opaque, clientAuth) },
    { id: "floor-do-hot", title: "floor (b): 1 DO call + 2 KV writes, one object", short: "(b) DO + 2 KV writes, one object", worker: "floor-do", group: "target", request: () => ({ ...hot, path: "/hot" }) },
    // Context, measured beside cc-hot and its floor in the same slices: what one SQLite commit per request costs.
    { id: "floor-do-hot-stored", title: "context: floor (b) + one SQLite transaction (replace one row), one object", short: "(b) + 1 SQLite transaction", worker: "floor-do-stored", group: "target", floor: "floor-do-hot", besides: "cc-hot", request: () => ({ ...hot, path: "/hot-stored" }) },
    { id: "floor-do-new", title: "floor (b): 1 DO call + 2 KV writes, new object per request", short: "(b) DO + 2 KV writes, new object", worker: "floor-do", group: "target", request: ({ run }) => ({ ...fresh(run), path: "/new" }) },
    { id: "floor-kv-bulk", title: "context: 1 bulk KV read of 2 keys (the shape of the token-status read)", short: "1 bulk read of 2 keys", worker: "floor-kv", group: "context", request: () => ({ ...introspection(tokens.opaque, clientAuth), path: "/bulk" }) },
    { id: "hello", title: "floor (c): hello-world Hono, no storage", worker: "hello", group: "context", request: () => ({ ...hot, path: "/" }) },

    // The product, SPEC §9 targets.
    {
      id: "introspect-client-opaque",
      title: "introspection, opaque token, client Basic caller",
      worker: "product",
      group: "target",
      floor: "floor-kv",
      target: 0.8,
      limits: { kvReads: 2 },
      request: () => introspection(tokens.opaque, clientAuth),
    },
    {
      id: "cc-hot",
      title: "client_credentials renewal, one hot key",
      worker: "product",
      group: "target",
      floor: "floor-do-hot",
      target: 0.7,
      limits: { kvWrites: 2, kvReads: 1, workerToDo: 1 },
      request: () => hot,
    },
    {
      id: "cc-new",
      title: "client_credentials, a new key per request",
      worker: "product",
      group: "target",
      floor: "floor-do-new",
      target: 0.7,
      limits: { kvWrites: 2, kvReads: 1, workerToDo: 1 },
      request: ({ run }) => fresh(run),
    },

    // The product, the rest of the picture.
    { id: "introspect-admin-opaque", title: "introspection, opaque token, admin Basic caller", worker: "product", group: "context", floor: "floor-kv", target: 0.8, limits: { kvReads: 2 }, request: () => introspection(tokens.opaque, ADMIN_BASIC) },
    { id: "introspect-client-jwt", title: "introspection, JWT access token, client Basic caller", worker: "product", group: "context", floor: "floor-kv", target: 0.8, limits: { kvReads: 2 }, request: () => introspection(tokens.jwt, clientAuth) },
    { id: "introspect-admin-jwt", title: "introspection, JWT access token, admin Basic caller", worker: "product", group: "context", floor: "floor-kv", target: 0.8, limits: { kvReads: 2 }, request: () => introspection(tokens.jwt, ADMIN_BASIC) },
    {
      id: "password",
      title: "password grant (SCIM user, PBKDF2), one hot key",
      worker: "product",
      group: "context",
      floor: "floor-do-hot",
      request: () => ({ path: "/oauth2/token", headers: tokenHeaders, body: form({ grant_type: "password", username: user.userName, password: user.password, scope: "bench-password" }) }),
    },
    {
      id: "refresh",
      title: "refresh grant, rotating (one chain per connection)",
      worker: "product",
      group: "context",
      floor: "floor-do-hot",
      async request({ run, conns }) {
        // One chain per connection, each on its own key (the admin's password grant: no PBKDF2).
        const seeds = [];
        for (let i = 0; i < conns; i++) {
          const issued = await tokenRequest(ctx.product.url, clientAuth, { grant_type: "password", username: "admin", password: "admin", scope: `refresh-${run}-${i}` });
          seeds.push(issued.refresh_token);
        }
        const pool = join(ctx.tmp, `refresh-${run}.txt`);
        writeFileSync(pool, `${seeds.join("\n")}\n`);
        return { path: "/oauth2/token", headers: tokenHeaders, mode: "chain", pool, template: "grant_type=refresh_token&refresh_token={token}" };
      },
    },
    {
      id: "code",
      title: "authorization_code exchange (public client, PKCE), pre-minted codes",
      worker: "product",
      group: "context",
      floor: "floor-do-hot",
      async request({ run, conns, seconds }) {
        const count = ctx.estimate("code", conns, seconds);
        const minted = await ctx.codeFlow.mint(count, 8);
        ctx.noteMint(minted.rps, count);
        const pool = join(ctx.tmp, `codes-${run}.txt`);
        writeFileSync(pool, `${minted.codes.map((code) => ctx.codeFlow.tokenBody(code)).join("\n")}\n`);
        return { path: "/oauth2/token", headers: { "Content-Type": FORM }, mode: "pool", pool };
      },
      warm: false,
    },

    // For context: node-oidc-provider on Node.js, in memory, on the same machine (no renewal).
    {
      id: "oidc-provider-cc",
      title: "node-oidc-provider (Node.js, in memory): client_credentials",
      worker: "oidc",
      group: "context",
      request: () => ({ path: "/token", headers: { Authorization: basic(OIDC_CLIENT.id, OIDC_CLIENT.secret), "Content-Type": FORM }, body: form({ grant_type: "client_credentials", scope: "bench-hot" }) }),
    },
  ];
}

/** The scenarios of `--smoke`: one floor and one product scenario of each target kind, 1 connection. */
export const SMOKE = ["floor-kv", "introspect-client-opaque", "floor-do-hot", "cc-hot"];
