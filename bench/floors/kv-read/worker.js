// SPEC §9 floor (a): one KV read per request. The key is seeded by the harness before the run, so
// every read is a hit, as introspection's reads of a live token are. The request body is not read.
export default {
  async fetch(request, env) {
    const value = await env.KV.get("floor:key");
    return new Response(JSON.stringify({ active: value !== null }), { headers: { "Content-Type": "application/json" } });
  },
};
