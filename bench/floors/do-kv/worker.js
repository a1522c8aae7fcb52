// SPEC §9 floor (b): one Durable Object call + two KV writes per request. `/hot` sends every
// request to one object (a hot key); `/new` to a new object per request (a new key). Each write
// goes to a new KV key, as the product's token and revocation records do. The body is not read.
import { DurableObject } from "cloudflare:workers";

export class FloorObject extends DurableObject {
  async issue() {
    const id = crypto.randomUUID();
    await Promise.all([
      this.env.KV.put(`t:${id}`, "{}", { expirationTtl: 3600 }),
      this.env.KV.put(`r:${id}`, "{}", { expirationTtl: 3600 }),
    ]);
    return id;
  }
}

export default {
  async fetch(request, env) {
    const name = new URL(request.url).pathname.endsWith("/new") ? crypto.randomUUID() : "hot";
    const id = await env.OBJECTS.getByName(name).issue();
    return new Response(JSON.stringify({ access_token: id }), { headers: { "Content-Type": "application/json" } });
  },
};
