import { calculateJwkThumbprint } from "jose";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { SigningKeyMaterial } from "../tokens/signing-key";
import { now } from "../runtime/clock";

interface KeyRow extends Record<string, SqlStorageValue> {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}

/** A public key as /oauth2/jwks publishes it. */
export type PublicJwk = JsonWebKey & { kid: string; alg: string; use: "sig" };

export interface RotationResult {
  kid: string;
  previous: { kid: string; published_until: number } | null; // epoch seconds
}

/**
 * The server's JWT signing keys: one object (named "signing-keys") with SQLite storage, so every
 * isolate and every restart sees the same keys. The newest unretired key signs; a retired key
 * stays published until every token it can have signed has expired.
 */
export class SigningKeyObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS signing_keys (
      kid TEXT PRIMARY KEY,
      private_jwk TEXT NOT NULL,
      public_jwk TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      retired_at INTEGER,
      publish_until INTEGER
    )`);
  }

  /** The signing key, generated on first use. */
  async current(): Promise<SigningKeyMaterial> {
    const existing = this.currentRow();
    if (existing) return material(existing);
    const candidate = await newKeyRow();
    // Another request may have created one while this one generated: the first one wins.
    return material(this.ctx.storage.transactionSync(() => this.currentRow() ?? this.insert(candidate)));
  }

  /**
   * Every key a token in circulation can have been signed with, and the current one (created
   * here if no JWT was signed yet, so a resource server never sees an empty set).
   */
  async publicKeys(): Promise<PublicJwk[]> {
    await this.current();
    const at = now();
    return this.ctx.storage.sql
      .exec<KeyRow>("SELECT * FROM signing_keys WHERE retired_at IS NULL OR publish_until > ? ORDER BY created_at DESC", at)
      .toArray()
      .map((row) => JSON.parse(row.public_jwk) as PublicJwk);
  }

  /**
   * Retires the current key (it stays published for `publishPreviousForMs`) and makes a new one
   * current.
   */
  async rotate(publishPreviousForMs: number): Promise<RotationResult> {
    const candidate = await newKeyRow();
    return this.ctx.storage.transactionSync(() => {
      const at = now();
      const previous = this.currentRow();
      if (previous) {
        this.ctx.storage.sql.exec(
          "UPDATE signing_keys SET retired_at = ?, publish_until = ? WHERE kid = ?",
          at,
          at + publishPreviousForMs,
          previous.kid,
        );
      }
      this.insert(candidate);
      return {
        kid: candidate.kid,
        previous: previous ? { kid: previous.kid, published_until: Math.ceil((at + publishPreviousForMs) / 1000) } : null,
      };
    });
  }

  private currentRow(): KeyRow | null {
    return (
      this.ctx.storage.sql
        .exec<KeyRow>("SELECT * FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
        .toArray()[0] ?? null
    );
  }

  private insert(row: KeyRow): KeyRow {
    this.ctx.storage.sql.exec(
      "INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)",
      row.kid,
      row.private_jwk,
      row.public_jwk,
      row.created_at,
    );
    return row;
  }
}

async function newKeyRow(): Promise<KeyRow> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const kid = await calculateJwkThumbprint({ kty: "EC", crv: publicJwk.crv!, x: publicJwk.x!, y: publicJwk.y! });
  const published: PublicJwk = { kty: "EC", crv: publicJwk.crv!, x: publicJwk.x!, y: publicJwk.y!, kid, alg: "ES256", use: "sig" };
  return {
    kid,
    private_jwk: JSON.stringify(privateJwk),
    public_jwk: JSON.stringify(published),
    created_at: now(),
    retired_at: null,
    publish_until: null,
  };
}

function material(row: KeyRow): SigningKeyMaterial {
  return { kid: row.kid, alg: "ES256", privateJwk: JSON.parse(row.private_jwk) as JsonWebKey };
}
