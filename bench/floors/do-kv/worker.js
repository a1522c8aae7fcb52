// SPEC §9 floor (b): one Durable Object call + two KV writes per request. `/hot` sends every
// request to one object (a hot key); `/new` to a new object per request (a new key). Each write
// goes to a new KV key, as the product's token and revocation records do. The body is not read.
// `/hot-stored` (context, not a SPEC §9 floor): the same plus one SQLite transaction per request
// that replaces the object's one row, the least a hot key that keeps its live token must store.
import { DurableObject } from "cloudflare:workers";

export class FloorObject extends DurableObject {
  async issue(stored = false) {
    const id = crypto.randomUUID();
    if (stored) {
      const { sql } = this.ctx.storage;
      this.ctx.storage.transactionSync(() => {
        if (!this.hasTable) sql.exec("CREATE TABLE IF NOT EXISTS live (id TEXT PRIMARY KEY) WITHOUT ROWID");
        this.hasTable = true;
        sql.exec("DELETE FROM live");
        sql.exec("INSERT INTO live (id) VALUES (?)", id);
      });
    }
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
    const name = path.endsWith("/new") ? crypto.randomUUID() : path.endsWith("/hot-stored") ? "hot-stored" : "hot";
    const id = await env.OBJECTS.getByName(name).issue(name === "hot-stored");
    return new Response(JSON.stringify({ access_token: id }), { headers: { "Content-Type": "application/json" } });
  },
};
