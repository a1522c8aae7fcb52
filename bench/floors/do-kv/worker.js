// SPEC §9 floor (b): one Durable Object call + two KV writes per request. `/hot` sends every
// request to one object (a hot key); `/new` to a new object per request (a new key). Each write
// goes to a new KV key, as the product's token and revocation records do. The body is not read.
// `/new-stored` (context, not a SPEC floor): a new object per request that also creates one
// SQLite table and writes one row in it, the least a new key's object must store.
import { DurableObject } from "cloudflare:workers";

export class FloorObject extends DurableObject {
  async issue(stored = false) {
    const id = crypto.randomUUID();
    if (stored) this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO tokens VALUES ('" + id + "')");
    await Promise.all([
      this.env.KV.put(`t:${id}`, "{}", { expirationTtl: 3600 }),
      this.env.KV.put(`r:${id}`, "{}", { expirationTtl: 3600 }),
    ]);
    return id;
  }
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const stored = path.endsWith("/new-stored");
    const name = path.endsWith("/new") || stored ? crypto.randomUUID() : "hot";
    const id = await env.OBJECTS.getByName(name).issue(stored);
    return new Response(JSON.stringify({ access_token: id }), { headers: { "Content-Type": "application/json" } });
  },
};
