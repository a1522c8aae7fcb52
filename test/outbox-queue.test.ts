import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { migrateGrantSchema } from "../src/grant-object/schema";
import { Outbox, type KvWrite } from "../src/store/outbox";
import { grantStub } from "./helpers/kv";

/**
 * Runs `body` inside a grant object of its own (its SQLite, its outbox table). A new object
 * creates its tables with its first write (schema.ts); these tests use the outbox directly.
 */
function inGrantObject<T>(body: (state: DurableObjectState) => T | Promise<T>): Promise<T> {
  const key = { clientId: "outbox-test", username: "", scope: crypto.randomUUID() };
  return runInDurableObject(grantStub(key), (_object: GrantObject, state) => {
    migrateGrantSchema(state.storage.sql);
    return body(state);
  });
}

describe("the outbox queues a transaction's writes in one statement per 25", () => {
  it("60 writes: each gets its own seq, in order, and the row under that seq is that write", async () => {
    await inGrantObject((state) => {
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

/** A KV namespace that only counts puts per key (the outbox needs nothing else of it here). */
function countingKv(): { kv: KVNamespace; puts: Map<string, number> } {
  const puts = new Map<string, number>();
  const kv = { put: async (key: string) => void puts.set(key, (puts.get(key) ?? 0) + 1) } as unknown as KVNamespace;
  return { kv, puts };
}

const keysOf = (sql: SqlStorage): string[] =>
  sql.exec<{ kv_key: string }>("SELECT kv_key FROM outbox ORDER BY seq").toArray().map((row) => row.kv_key);

const put = (key: string): KvWrite => ({ op: "put", key, value: "{}", expiresAt: null });

describe("a write-once outbox deletes performed rows with the next transaction (one commit per request)", () => {
  it("keeps a performed row, not as pending, until the next transaction that queues writes deletes it", async () => {
    await inGrantObject(async (state) => {
      const { sql } = state.storage;
      const { kv, puts } = countingKv();
      const outbox = new Outbox(sql, () => kv, { performedRows: "delete with the next transaction", sweepAfterMs: 60_000 });
      await outbox.flush(state.storage.transactionSync(() => outbox.enqueueAll([put("a1"), put("a2")])));
      expect(keysOf(sql)).toEqual(["a1", "a2"]); // performed, its rows not yet deleted
      await outbox.flush(state.storage.transactionSync(() => outbox.enqueueAll([put("b1")])));
      expect(keysOf(sql)).toEqual(["b1"]); // the second transaction deleted the first one's rows

      // The slow paths delete performed rows first: nothing is pending, and no write is repeated.
      expect(outbox.pendingCount()).toBe(0);
      expect(keysOf(sql)).toEqual([]);
      expect([...puts.values()]).toEqual([1, 1, 1]);

      // A transaction that rolls back brings its deletion back too: that write is owed again, and
      // performed once more (harmless for a key written once: same key, same value).
      await outbox.flush(state.storage.transactionSync(() => outbox.enqueueAll([put("c1")])));
      expect(() =>
        state.storage.transactionSync(() => {
          outbox.enqueueAll([put("d1")]);
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(outbox.pending().map((entry) => entry.write.key)).toEqual(["c1"]);
      expect(await outbox.flushPending()).toBe(true);
      expect(puts.get("c1")).toBe(2);
    });
  });

  it("sweeps a performed row when no transaction comes; a restart before that performs it once more", async () => {
    await inGrantObject(async (state) => {
      const { sql } = state.storage;
      const { kv, puts } = countingKv();
      const swept = new Outbox(sql, () => kv, { performedRows: "delete with the next transaction", sweepAfterMs: 0 });
      await swept.flush(state.storage.transactionSync(() => swept.enqueueAll([put("s1")])));
      expect(keysOf(sql)).toEqual(["s1"]);
      await new Promise((resolve) => setTimeout(resolve, 0)); // the sweep's turn (a 0 ms timer set before this one)
      expect(keysOf(sql)).toEqual([]);

      const forgetful = new Outbox(sql, () => kv, { performedRows: "delete with the next transaction", sweepAfterMs: 60_000 });
      await forgetful.flush(state.storage.transactionSync(() => forgetful.enqueueAll([put("r1")])));
      // The object restarts (its memory of performed rows is gone): the row reads as owed, and is written again.
      const restarted = new Outbox(sql, () => kv, { performedRows: "delete with the next transaction" });
      expect(restarted.pending().map((entry) => entry.write.key)).toEqual(["r1"]);
      expect(await restarted.flushPending()).toBe(true);
      expect(puts.get("r1")).toBe(2);
      expect(keysOf(sql)).toEqual([]);
    });
  });

  it("the default deletes a performed row at once", async () => {
    await inGrantObject(async (state) => {
      const { kv } = countingKv();
      const outbox = new Outbox(state.storage.sql, () => kv);
      await outbox.flush(state.storage.transactionSync(() => outbox.enqueueAll([put("x1")])));
      expect(keysOf(state.storage.sql)).toEqual([]);
    });
  });
});
