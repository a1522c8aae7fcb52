import { now } from "../runtime/clock";

/**
 * A transactional outbox for KV writes made by a Durable Object.
 *
 * KV is outside the object's SQLite transaction, so a state change and the KV writes it implies
 * cannot commit together. Instead the writes are rows of this table, inserted in the same
 * synchronous transaction as the state change; the object then performs them and deletes each row
 * once KV accepted it (at once, or with its next transaction: see PerformedRows). A write that
 * fails stays here and is retried from the object's alarm, so a committed state always reaches KV
 * eventually.
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

/**
 * A write queued by a transaction, as that transaction made it: the request that committed it
 * performs it from memory (no read back), and the row is the record that it is still owed.
 */
export interface QueuedWrite {
  seq: number;
  write: KvWrite;
  attempts: number;
}

/** KV refuses expirations less than 60 s ahead; a token record must still outlive its token. */
const KV_MIN_TTL_SECONDS = 60;

export const OUTBOX_SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    kv_key TEXT NOT NULL,
    value TEXT,
    expires_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
  );`;

/**
 * When the row of a write KV accepted is deleted. "at once": in its own SQLite commit, right after
 * the write. "with the next transaction": only for keys written once, where performing a write
 * twice is harmless (same key, same value); the row is deleted by the statement of the next
 * transaction that queues writes, or by a sweep a second later when none comes. That saves a
 * request its second commit, which costs more than all of a renewal's statements (README:
 * Performance). A row whose deletion is lost (a rollback, a crash within the second) is only
 * performed once more.
 */
export type PerformedRows = "delete at once" | "delete with the next transaction";

export interface OutboxOptions {
  performedRows: PerformedRows;
  /** How long a performed row waits for a transaction before the sweep deletes it. */
  sweepAfterMs?: number;
}

export class Outbox {
  /** Rows a running request is writing now; the alarm leaves them alone. */
  private readonly inFlight = new Set<number>();
  /** Rows of writes KV accepted, still to delete ("delete with the next transaction"). */
  private readonly performed = new Set<number>();
  private sweep: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: () => KVNamespace,
    private readonly options: OutboxOptions = { performedRows: "delete at once" },
  ) {}

  /**
   * Synchronous, so it can run inside the transaction that makes the state change. A seq can be
   * given again once its row is gone (no AUTOINCREMENT: it would cost two more rows written per
   * write); while a row exists, and so while its write runs, no other write has its seq.
   */
  enqueue(write: KvWrite): QueuedWrite {
    return this.enqueueAll([write])[0]!;
  }

  /** Several writes in one statement (a renewal queues two, a refresh four). */
  enqueueAll(writes: readonly KvWrite[]): QueuedWrite[] {
    this.deletePerformed(); // rides on the caller's transaction: no commit of its own
    const queued: QueuedWrite[] = [];
    // A Durable Object's SQLite takes at most 100 bound parameters per statement: 25 rows of 4.
    for (let i = 0; i < writes.length; i += 25) {
      const chunk = writes.slice(i, i + 25);
      const values = chunk.flatMap((write) => [write.op, write.key, write.op === "put" ? write.value : null, write.op === "put" ? write.expiresAt : null]);
      const rows = this.sql
        .exec<{ seq: number }>(`INSERT INTO outbox (op, kv_key, value, expires_at) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")} RETURNING seq`, ...values)
        .toArray()
        .map((row) => row.seq)
        .sort((a, b) => a - b);
      // Rows are inserted in the order of VALUES, each seq one above the last; RETURNING's own
      // order is unspecified, so the sorted seqs are matched to the writes.
      chunk.forEach((write, j) => queued.push({ seq: rows[j]!, write, attempts: 0 }));
    }
    return queued;
  }

  /** Performs the given writes; true when all reached KV. Failed ones stay queued. */
  async flush(queued: readonly QueuedWrite[]): Promise<boolean> {
    if (queued.length === 0) return true;
    const mine = queued.filter((entry) => !this.inFlight.has(entry.seq));
    for (const entry of mine) this.inFlight.add(entry.seq);
    try {
      const results = await Promise.all(mine.map((entry) => this.perform(entry)));
      const done = mine.filter((_, i) => results[i]).map((entry) => entry.seq);
      // Until their rows go (or are marked performed) the writes count as running, so the alarm does not repeat them.
      if (this.options.performedRows === "delete at once") this.deleteRows(done);
      else {
        for (const seq of done) this.performed.add(seq);
        this.sweepLater();
      }
      return mine.length === queued.length && results.every(Boolean);
    } finally {
      for (const entry of mine) this.inFlight.delete(entry.seq);
    }
  }

  /** Retries every queued write not owned by a running request; true when none is left. */
  async flushPending(): Promise<boolean> {
    await this.flush(this.pending());
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
    const newest = new Map<string, QueuedWrite>();
    for (const entry of this.queued()) {
      const superseded = newest.get(entry.write.key);
      if (superseded && !this.inFlight.has(superseded.seq)) this.sql.exec("DELETE FROM outbox WHERE seq = ?", superseded.seq);
      newest.set(entry.write.key, entry);
    }
    for (const entry of newest.values()) await this.flush([entry]);
    return this.pendingCount() === 0;
  }

  /** Every queued write not owned by a running request. */
  pending(): QueuedWrite[] {
    return this.queued().filter((entry) => !this.inFlight.has(entry.seq));
  }

  /** The most attempts any queued write has had (0 when none failed yet). */
  maxAttempts(): number {
    this.deletePerformed();
    return this.sql.exec<{ n: number | null }>("SELECT max(attempts) AS n FROM outbox").one().n ?? 0;
  }

  pendingCount(): number {
    this.deletePerformed();
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  private queued(): QueuedWrite[] {
    this.deletePerformed();
    return this.sql.exec<OutboxRow>("SELECT * FROM outbox ORDER BY seq").toArray().map(toQueued);
  }

  private deletePerformed(): void {
    if (this.performed.size === 0) return;
    this.deleteRows([...this.performed]);
    this.performed.clear();
  }

  private sweepLater(): void {
    this.sweep ??= setTimeout(() => {
      this.sweep = null;
      this.deletePerformed();
    }, this.options.sweepAfterMs ?? 1_000);
  }

  /** In statements of at most 100 bound parameters (a Durable Object's SQLite limit). */
  private deleteRows(seqs: readonly number[]): void {
    for (let i = 0; i < seqs.length; i += 100) {
      const chunk = seqs.slice(i, i + 100);
      this.sql.exec(`DELETE FROM outbox WHERE seq IN (${chunk.map(() => "?").join(",")})`, ...chunk);
    }
  }

  /** One write; a failure counts an attempt on the row. */
  private async perform(entry: QueuedWrite): Promise<boolean> {
    try {
      await this.write(entry.write);
      return true;
    } catch (error) {
      this.sql.exec("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", entry.seq);
      console.error(`KV ${entry.write.op} failed (attempt ${entry.attempts + 1}), queued for retry:`, errorName(error));
      return false;
    }
  }

  private async write(write: KvWrite): Promise<void> {
    if (write.op === "delete") {
      await this.kv().delete(write.key);
      return;
    }
    if (write.expiresAt === null) {
      await this.kv().put(write.key, write.value);
      return;
    }
    const secondsLeft = Math.ceil((write.expiresAt - now()) / 1000);
    // A record for a token that has already expired would only ever answer "inactive",
    // which its absence answers too.
    if (secondsLeft <= 0) return;
    await this.kv().put(write.key, write.value, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, secondsLeft) });
  }
}

function toQueued(row: OutboxRow): QueuedWrite {
  const write: KvWrite =
    row.op === "delete" ? { op: "delete", key: row.kv_key } : { op: "put", key: row.kv_key, value: row.value ?? "", expiresAt: row.expires_at };
  return { seq: row.seq, write, attempts: row.attempts };
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "unknown error";
}
