import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { Outbox, type KvWrite } from "../src/store/outbox";
import { grantStub } from "./helpers/kv";

describe("the outbox queues a transaction's writes in one statement per 25", () => {
  it("60 writes: each gets its own seq, in order, and the row under that seq is that write", async () => {
    const key = { clientId: "outbox-test", username: "", scope: `q${Date.now()}` };
    await runInDurableObject(grantStub(key), (_object: GrantObject, state) => {
      const outbox = new Outbox(state.storage.sql, () => {
        throw new Error("no KV in this test");
      });
      const writes: KvWrite[] = Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0 ? { op: "delete", key: `k${i}` } : { op: "put", key: `k${i}`, value: `v${i}`, expiresAt: i % 2 ? null : 1_000 + i },
      );
      const queued = state.storage.transactionSync(() => outbox.enqueueAll(writes));
      expect(queued.map((q) => q.write)).toEqual(writes);
      const seqs = queued.map((q) => q.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(60);
      const rows = state.storage.sql.exec<{ seq: number; kv_key: string; value: string | null }>("SELECT seq, kv_key, value FROM outbox").toArray();
      for (const q of queued) {
        const row = rows.find((r) => r.seq === q.seq)!;
        expect(row.kv_key).toBe(q.write.key);
        expect(row.value).toBe(q.write.op === "put" ? q.write.value : null);
      }
      expect(outbox.pending().map((q) => q.seq)).toEqual(seqs);
      state.storage.sql.exec("DELETE FROM outbox");
    });
  });
});
