// For context in `npm run bench`: node-oidc-provider (npm `oidc-provider`), in memory (its default
// adapter), issuing client_credentials tokens — a well-known Node.js authorization server on the
// same machine, driven by the same load generator. It issues a new opaque token per request and
// revokes nothing (no renewal semantics), so it is a reference point, not a floor.
// Prints {"port": N} on stdout once listening on 127.0.0.1.
import Provider from "oidc-provider";
import { CLIENT } from "./client.mjs";

const provider = new Provider("http://127.0.0.1", {
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      scope: "bench-hot",
    },
  ],
  scopes: ["bench-hot"],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
});

const server = provider.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
