import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../runtime/clock";

/** The object of one (user, client) pair. The user id changes when a userName is re-created. */
export function consentObjectName(userId: string, clientId: string): string {
  return JSON.stringify(["consent/v1", userId, clientId]);
}

/**
 * The scopes a user approved for a client on the consent page (SPEC §10), remembered so that a
 * later request for the same or fewer scopes skips the page. One object per (user, client), so
 * the answer is exact and never waits on another user's traffic.
 */
export class ConsentObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS approved (scope TEXT PRIMARY KEY, approved_at INTEGER NOT NULL)");
  }

  /** Whether every scope asked for was approved before. */
  covers(scopes: string[]): boolean {
    const approved = new Set(this.ctx.storage.sql.exec<{ scope: string }>("SELECT scope FROM approved").toArray().map((row) => row.scope));
    return scopes.every((scope) => approved.has(scope));
  }

  approve(scopes: string[]): void {
    const at = now();
    this.ctx.storage.transactionSync(() => {
      for (const scope of scopes) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO approved (scope, approved_at) VALUES (?, ?)", scope, at);
    });
  }
}
