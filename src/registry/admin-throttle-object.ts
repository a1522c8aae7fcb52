import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../runtime/clock";

/** How many failures within `windowMs` block for `blockMs`. */
export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
}

/** One per client IP (`ip:<address>`), and one named `global` that counts every failure. */
export function throttleObjectName(scope: "global" | { ip: string }): string {
  return scope === "global" ? "admin-throttle/global" : `admin-throttle/ip:${scope.ip}`;
}

/**
 * Failed administrator authentications (SPEC §14), counted exactly in one transaction per
 * report. An IP object blocks its address for a while after too many failures; the global object
 * only counts, so a distributed guess makes every IP's limit strict (see caller-auth.ts).
 */
export class AdminThrottleObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS block (id INTEGER PRIMARY KEY CHECK (id = 1), until INTEGER NOT NULL)");
  }

  /** Milliseconds this address is still blocked for (0: not blocked). */
  blockedFor(): number {
    const until = this.ctx.storage.sql.exec<{ until: number }>("SELECT until FROM block WHERE id = 1").toArray()[0]?.until ?? 0;
    return Math.max(0, until - now());
  }

  /** Counts a failure; returns how long the address is now blocked for, and the recent count. */
  recordFailure(policy: ThrottlePolicy): { blockedMs: number; recent: number } {
    return this.ctx.storage.transactionSync(() => {
      const at = now();
      const sql = this.ctx.storage.sql;
      sql.exec("DELETE FROM failures WHERE at <= ?", at - policy.windowMs);
      sql.exec("INSERT INTO failures (at) VALUES (?)", at);
      const recent = sql.exec<{ n: number }>("SELECT count(*) AS n FROM failures").one().n;
      if (recent >= policy.maxFailures) sql.exec("INSERT OR REPLACE INTO block (id, until) VALUES (1, ?)", at + policy.blockMs);
      return { blockedMs: this.blockedFor(), recent };
    });
  }
}
