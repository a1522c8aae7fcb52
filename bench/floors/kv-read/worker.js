// SPEC §9 floor (a): one KV read per request. The key is seeded by the harness before the run, so
// every read is a hit, as introspection's reads of a live token are. The request body is not read.
// `/bulk` (context, not a SPEC floor): one bulk read of two keys instead — the shape of the
// product's token-status read (the token record and its revocation record, one KV operation).
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname.endsWith("/bulk")) {
      const found = await env.KV.get(["floor:key", "floor:revoked"], "text");
      return new Response(JSON.stringify({ active: found.get("floor:key") !== null && found.get("floor:revoked") === null }), { headers: { "Content-Type": "application/json" } });
    }
    const value = await env.KV.get("floor:key");
    return new Response(JSON.stringify({ active: value !== null }), { headers: { "Content-Type": "application/json" } });
  },
};
