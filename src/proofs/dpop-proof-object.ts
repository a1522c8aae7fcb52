import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../runtime/clock";
import { randomBytes, toBase64Url } from "../tokens/encoding";

/** The object of one DPoP key, by its JWK thumbprint (RFC 7638). */
export function proofObjectName(jkt: string): string {
  return JSON.stringify(["dpop/v1", jkt]);
}

export type ProofVerdict = { ok: true; nonce: string | null } | { ok: false; reason: "replay" | "nonce"; nonce: string | null };

/** How long a server nonce is good for (RFC 9449 §8: the server decides). */
const NONCE_LIFETIME_MS = 5 * 60_000;

/**
 * RFC 9449 §11.1 replay protection, and §8 server nonces, for one DPoP key: a proof's `jti` is
 * accepted once while the proof could be valid, decided in one transaction of this object (never
 * by an eventually consistent KV read). With nonces required, the object also issues the key's
 * current nonce and checks it.
 */
export class DpopProofObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS seen (jti TEXT PRIMARY KEY, until INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS nonce (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL, until INTEGER NOT NULL)");
  }

  /** Accepts a proof's `jti` once (kept until `until`); checks its `nonce` when nonces are required. */
  accept(proof: { jti: string; until: number; nonce: string | null; nonceRequired: boolean }): ProofVerdict {
    return this.ctx.storage.transactionSync(() => {
      const at = now();
      const sql = this.ctx.storage.sql;
      sql.exec("DELETE FROM seen WHERE until <= ?", at);
      const nonce = proof.nonceRequired ? this.currentNonce(at) : null;
      if (proof.nonceRequired && proof.nonce !== nonce) return { ok: false, reason: "nonce", nonce };
      if (sql.exec("SELECT 1 FROM seen WHERE jti = ?", proof.jti).toArray().length > 0) return { ok: false, reason: "replay", nonce };
      sql.exec("INSERT INTO seen (jti, until) VALUES (?, ?)", proof.jti, proof.until);
      return { ok: true, nonce };
    });
  }

  /** The nonce a client of this key must put in its next proof. */
  nonce(): string {
    return this.ctx.storage.transactionSync(() => this.currentNonce(now()));
  }

  private currentNonce(at: number): string {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ value: string; until: number }>("SELECT value, until FROM nonce WHERE id = 1").toArray()[0];
    if (row && row.until > at) return row.value;
    const value = toBase64Url(randomBytes(16));
    sql.exec("INSERT OR REPLACE INTO nonce (id, value, until) VALUES (1, ?, ?)", value, at + NONCE_LIFETIME_MS);
    return value;
  }
}
