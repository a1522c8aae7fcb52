import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../runtime/clock";

/** WSO2's account-lock handler settings (SPEC-silent; thresholds come from [vars]). */
export interface LockoutPolicy {
  maxFailedAttempts: number;
  windowMs: number;
  durationMs: number;
}

/**
 * Failed password-grant attempts of one user (one object per lower-cased userName). Every attempt
 * reports here after its password check, and the object's requests are serialised, so the count is
 * exact however many attempts arrive at once, and the verdict follows the order in which attempts
 * complete: once the account is locked, an attempt that completes later is refused even with the
 * right password.
 */
export class LockoutObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY CHECK (id = 1), until INTEGER NOT NULL)");
  }

  /** Counts a failed attempt; the one that reaches the threshold locks the account. */
  recordFailure(policy: LockoutPolicy): { locked: boolean } {
    return this.ctx.storage.transactionSync(() => {
      const at = now();
      if (this.lockedUntil() > at) return { locked: true };
      this.ctx.storage.sql.exec("INSERT INTO failures (at) VALUES (?)", at);
      if (this.recentFailures(policy, at) < policy.maxFailedAttempts) return { locked: false };
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO lock (id, until) VALUES (1, ?)", at + policy.durationMs);
      this.ctx.storage.sql.exec("DELETE FROM failures");
      return { locked: true };
    });
  }

  /** A right password: refused while locked, else it resets the count. */
  recordSuccess(): { locked: boolean } {
    return this.ctx.storage.transactionSync(() => {
      if (this.lockedUntil() > now()) return { locked: true };
      this.ctx.storage.sql.exec("DELETE FROM failures");
      return { locked: false };
    });
  }

  private lockedUntil(): number {
    return this.ctx.storage.sql.exec<{ until: number }>("SELECT until FROM lock WHERE id = 1").toArray()[0]?.until ?? 0;
  }

  private recentFailures(policy: LockoutPolicy, at: number): number {
    this.ctx.storage.sql.exec("DELETE FROM failures WHERE at <= ?", at - policy.windowMs);
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failures").one().n;
  }
}
