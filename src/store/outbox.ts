import { now } from "../runtime/clock";

/**
 * A transactional outbox for KV writes made by a Durable Object.
 *
 * KV is outside the object's SQLite transaction, so a state change and the KV writes it implies
 * cannot commit together. Instead the writes are rows of this table, inserted in the same
 * synchronous transaction as the state change; the object then performs them and deletes each row
 * once KV accepted it. A write that fails stays here and is retried from the object's alarm, so a
 * committed state always reaches KV eventually.
 */
export type KvWrite =
  /** expiresAt: epoch ms after which the record is useless (KV drops it); null keeps it. */
  | { op: "put"; key: string; value: string; expiresAt: number | null }
  | { op: "delete"; key: string };

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  op: string;
  kv_key: string;
  value: string | null;
  expires_at: number | null;
  attempts: number;
}

/** KV refuses expirations less than 60 s ahead; a token record must still outlive its token. */
const KV_MIN_TTL_SECONDS = 60;

export const OUTBOX_SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    kv_key TEXT NOT NULL,
    value TEXT,
    expires_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
  );`;

export class Outbox {
  /** Rows a running request is writing now; the alarm leaves them alone. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: () => KVNamespace,
  ) {}

  /** Synchronous, so it can run inside the transaction that makes the state change. */
  enqueue(write: KvWrite): number {
    const row = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO outbox (op, kv_key, value, expires_at) VALUES (?, ?, ?, ?) RETURNING seq",
        write.op,
        write.key,
        write.op === "put" ? write.value : null,
        write.op === "put" ? write.expiresAt : null,
      )
      .one();
    return row.seq;
  }

  /** Performs the given writes; true when all reached KV. Failed ones stay queued. */
  async flush(seqs: readonly number[]): Promise<boolean> {
    if (seqs.length === 0) return true;
    const rows = this.rows(seqs);
    const results = await Promise.all(rows.map((row) => this.perform(row)));
    return results.every(Boolean);
  }

  /** Retries every queued write not owned by a running request; true when none is left. */
  async flushPending(): Promise<boolean> {
    const rows = this.sql
      .exec<OutboxRow>("SELECT * FROM outbox ORDER BY seq")
      .toArray()
      .filter((row) => !this.inFlight.has(row.seq));
    await Promise.all(rows.map((row) => this.perform(row)));
    return this.pendingCount() === 0;
  }

  /**
   * For keys that are written more than once (the registry's projection): only the newest queued
   * write of each key is performed; older ones are superseded, so a key's writes never land out of
   * order and a burst of changes costs one write. A write KV refuses (e.g. 429 for a second write
   * to the key within a second) stays queued for the caller's retry, which then writes the newest
   * value. True when the queue is empty.
   */
  async flushLatestPerKey(): Promise<boolean> {
    const newest = new Map<string, OutboxRow>();
    for (const row of this.sql.exec<OutboxRow>("SELECT * FROM outbox ORDER BY seq").toArray()) {
      const superseded = newest.get(row.kv_key);
      if (superseded && !this.inFlight.has(superseded.seq)) this.sql.exec("DELETE FROM outbox WHERE seq = ?", superseded.seq);
      newest.set(row.kv_key, row);
    }
    for (const row of newest.values()) await this.perform(row);
    return this.pendingCount() === 0;
  }

  /** Every queued write not owned by a running request. */
  pendingSeqs(): number[] {
    return this.sql
      .exec<{ seq: number }>("SELECT seq FROM outbox ORDER BY seq")
      .toArray()
      .map((row) => row.seq)
      .filter((seq) => !this.inFlight.has(seq));
  }

  /** The most attempts any queued write has had (0 when none failed yet). */
  maxAttempts(): number {
    return this.sql.exec<{ n: number | null }>("SELECT max(attempts) AS n FROM outbox").one().n ?? 0;
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  private rows(seqs: readonly number[]): OutboxRow[] {
    const rows: OutboxRow[] = [];
    // A Durable Object's SQLite takes at most 100 bound parameters per statement.
    for (let i = 0; i < seqs.length; i += 100) {
      const chunk = seqs.slice(i, i + 100);
      const placeholders = chunk.map(() => "?").join(",");
      rows.push(...this.sql.exec<OutboxRow>(`SELECT * FROM outbox WHERE seq IN (${placeholders}) ORDER BY seq`, ...chunk).toArray());
    }
    return rows;
  }

  private async perform(row: OutboxRow): Promise<boolean> {
    if (this.inFlight.has(row.seq)) return false;
    this.inFlight.add(row.seq);
    try {
      await this.write(row);
      this.sql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
      return true;
    } catch (error) {
      this.sql.exec("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", row.seq);
      console.error(`KV ${row.op} failed (attempt ${row.attempts + 1}), queued for retry:`, errorName(error));
      return false;
    } finally {
      this.inFlight.delete(row.seq);
    }
  }

  private async write(row: OutboxRow): Promise<void> {
    if (row.op === "delete") {
      await this.kv().delete(row.kv_key);
      return;
    }
    if (row.expires_at === null) {
      await this.kv().put(row.kv_key, row.value ?? "");
      return;
    }
    const secondsLeft = Math.ceil((row.expires_at - now()) / 1000);
    // A record for a token that has already expired would only ever answer "inactive",
    // which its absence answers too.
    if (secondsLeft <= 0) return;
    await this.kv().put(row.kv_key, row.value ?? "", {
      expirationTtl: Math.max(KV_MIN_TTL_SECONDS, secondsLeft),
    });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "unknown error";
}
