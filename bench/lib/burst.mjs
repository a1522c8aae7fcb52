// The burst scenario (SPEC §2, §9): N client_credentials requests sent at once, spread over K keys
// (K scopes of one client), each on its own connection. Counts 5xx and failed requests, the time to
// drain, and afterwards checks by introspection that exactly one token of each key is live (and
// whether it is the one whose answer arrived last).
import { Agent, fetch } from "undici";
import { FORM, introspect, pool } from "./product.mjs";

export async function burst({ url, client, requests, keys, prefix }) {
  const agent = new Agent({ connections: requests, pipelining: 0, keepAliveTimeout: 10_000, connectTimeout: 30_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const bodies = Array.from({ length: requests }, (_, i) => new URLSearchParams({ grant_type: "client_credentials", scope: `${prefix}-k${i % keys}` }).toString());
  const results = new Array(requests);
  const started = performance.now();
  let received = 0;
  await Promise.all(
    bodies.map(async (body, i) => {
      try {
        const response = await fetch(`${url}/oauth2/token`, {
          method: "POST",
          headers: { Authorization: client.authorization, "Content-Type": FORM },
          body,
          dispatcher: agent,
        });
        const at = performance.now() - started; // when the answer's headers arrived
        const text = await response.text();
        const token = response.status === 200 ? JSON.parse(text).access_token : null;
        results[i] = { status: response.status, token, key: i % keys, order: received++, at };
      } catch (error) {
        results[i] = { status: 0, error: String(error?.cause?.code ?? error?.message ?? error), key: i % keys, order: received++ };
      }
    }),
  );
  const drainS = (performance.now() - started) / 1000;
  await agent.close();

  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const fiveXx = results.filter((r) => r.status >= 500).length;
  const failed = results.filter((r) => r.status !== 200).length;

  // Exactly one live token per key: introspect every token that was handed out.
  const issued = results.filter((r) => r.token);
  const live = await pool(issued.length, 16, async (i) => (await introspect(url, client.authorization, issued[i].token)).active === true);
  const livePerKey = new Map();
  const answersPerKey = new Map();
  issued.forEach((r, i) => {
    if (live[i]) livePerKey.set(r.key, [...(livePerKey.get(r.key) ?? []), r]);
    const answers = answersPerKey.get(r.key);
    if (answers) answers.push(r);
    else answersPerKey.set(r.key, [r]);
  });
  let exactlyOne = 0;
  let liveIsLast = 0;
  const afterLive = [];
  let arrivedAfterLive = 0; // the most answers of one key that reached the client after its live token's
  for (const [key, answers] of answersPerKey) {
    const alive = livePerKey.get(key) ?? [];
    if (alive.length !== 1) continue;
    exactlyOne += 1;
    const later = answers.filter((r) => r.at > alive[0].at);
    if (later.length === 0) liveIsLast += 1;
    arrivedAfterLive = Math.max(arrivedAfterLive, later.length);
    afterLive.push(Math.max(0, ...later.map((r) => r.at - alive[0].at)));
  }
  afterLive.sort((a, b) => a - b);
  return {
    requests,
    keys,
    drainS,
    rps: requests / drainS,
    statuses,
    fiveXx,
    failed,
    errors: [...new Set(results.filter((r) => r.error).map((r) => r.error))].slice(0, 3),
    keysWithTokens: answersPerKey.size,
    exactlyOne,
    liveIsLast,
    arrivedAfterLive,
    afterLive: { median: afterLive[Math.floor(afterLive.length / 2)] ?? NaN, max: afterLive.at(-1) ?? NaN },
  };
}
