import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { Outbox, type KvWrite } from "../store/outbox";
import { revocationRecordWrite, tokenRecordWrite, type TokenRecord } from "../store/token-status";
import { generatorFor, type AccessTokenGenerator } from "../tokens/generator";
import { sha256 } from "../tokens/hash";
import {
  deriveOpaqueToken,
  importTokenKey,
  newTokenId,
  newTokenKeyMaterial,
  type TokenKind,
} from "../tokens/opaque";
import {
  decideIssue,
  type AccessRow,
  type CurrentTokens,
  type IssuePolicy,
  type RefreshRow,
} from "./issue-decision";
import { grantObjectName, type GrantKey } from "./key";
import { migrateGrantSchema } from "./schema";

/** A validated token request, as the Worker hands it to the key's object. */
export interface IssueRequest extends IssuePolicy {
  key: GrantKey;
  grantType: string;
  subject: string; // username, or client_id for client_credentials
  accessTokenFormat: string;
  refreshTokenLifetimeMs: number;
  issuer: string;
}

export interface IssueResult {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number; // whole seconds
  scope: string;
}

interface MintedToken {
  id: string;
  token: string;
  hash: string;
}

const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * The grant Durable Object: one per (client, user, scopes) key. The runtime delivers the requests
 * of a key to this one object, and each request's read-decide-write runs as one synchronous
 * SQLite transaction, so "revoke the active token, issue a new one" never interleaves with
 * another request of the key. KV is updated afterwards through the outbox.
 */
export class GrantObject extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private tokenKey!: CryptoKey;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql, () => this.env.TOKEN_STATUS);
    void ctx.blockConcurrencyWhile(async () => {
      migrateGrantSchema(ctx.storage.sql);
      this.tokenKey = await importTokenKey(this.tokenKeyMaterial());
    });
  }

  /** SPEC §5.2: issue (or, with renewal off, return) the key's tokens. */
  async issue(request: IssueRequest): Promise<IssueResult> {
    const generator = generatorFor(request.accessTokenFormat);
    const now = Date.now();
    // Everything asynchronous happens before the transaction: the candidate tokens are minted
    // (and hashed) whether or not the decision ends up using them.
    const access = await this.mintAccess(generator, request, now);
    const refresh = request.issueRefreshToken ? await this.mint("refresh") : null;

    const outcome = this.ctx.storage.transactionSync(() => this.applyIssue(request, access, refresh, now));
    await this.publish(outcome.writes);

    if (outcome.kind === "reuse") {
      return {
        accessToken: await generator.generate(this.tokenKey, this.accessInput(request, outcome.access)),
        refreshToken: outcome.refresh ? await this.derive("refresh", outcome.refresh.id) : null,
        expiresIn: outcome.expiresIn,
        scope: request.key.scope,
      };
    }
    return {
      accessToken: access.token,
      refreshToken: outcome.keptRefresh ? await this.derive("refresh", outcome.keptRefresh.id) : (refresh?.token ?? null),
      expiresIn: Math.floor(request.accessTokenLifetimeMs / 1000),
      scope: request.key.scope,
    };
  }

  /** Strong introspection: is the token with this hash a live token of this object? */
  isActive(hash: string): boolean {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ expires_at: number }>(
        `SELECT expires_at FROM access_tokens WHERE hash = ?1
         UNION ALL SELECT expires_at FROM refresh_tokens WHERE hash = ?1`,
        hash,
      )
      .toArray()[0];
    return row !== undefined && row.expires_at > now;
  }

  /** Retries KV writes that failed after their state change committed. */
  override async alarm(): Promise<void> {
    if (!(await this.outbox.flushPending())) await this.scheduleRetry();
  }

  private applyIssue(request: IssueRequest, access: MintedToken, refresh: MintedToken | null, now: number) {
    this.checkKey(request.key);
    const current = this.readCurrent();
    const decision = decideIssue(current, request, now);
    if (decision.kind === "reuse") return { ...decision, writes: [] as number[] };

    const writes: number[] = [];
    const { access: oldAccess, refresh: oldRefresh } = decision.supersede;
    if (oldAccess) writes.push(...this.removeToken("access_tokens", oldAccess, now));
    if (oldRefresh) writes.push(...this.removeToken("refresh_tokens", oldRefresh, now));

    const accessExpiresAt = now + request.accessTokenLifetimeMs;
    let refreshId: string | null = decision.keepRefresh?.id ?? null;
    if (refresh && !decision.keepRefresh) {
      const refreshExpiresAt = now + request.refreshTokenLifetimeMs;
      this.ctx.storage.sql.exec(
        "INSERT INTO refresh_tokens (id, hash, issued_at, expires_at) VALUES (?, ?, ?, ?)",
        refresh.id,
        refresh.hash,
        now,
        refreshExpiresAt,
      );
      writes.push(this.outbox.enqueue(this.recordWrite(request, "refresh", refresh, now, refreshExpiresAt)));
      refreshId = refresh.id;
    }
    this.ctx.storage.sql.exec(
      "INSERT INTO access_tokens (id, hash, refresh_id, grant_type, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      access.id,
      access.hash,
      refreshId,
      request.grantType,
      now,
      accessExpiresAt,
    );
    writes.push(this.outbox.enqueue(this.recordWrite(request, "access", access, now, accessExpiresAt)));
    return { kind: "issued" as const, keptRefresh: decision.keepRefresh, writes };
  }

  /** Deletes a superseded token's row; a token with time left also gets a KV revocation record. */
  private removeToken(table: "access_tokens" | "refresh_tokens", row: AccessRow | RefreshRow, now: number): number[] {
    this.ctx.storage.sql.exec(`DELETE FROM ${table} WHERE id = ?`, row.id);
    if (row.expiresAt <= now) return [];
    return [this.outbox.enqueue(revocationRecordWrite(row.hash, row.expiresAt, now))];
  }

  private readCurrent(): CurrentTokens {
    const sql = this.ctx.storage.sql;
    const access =
      sql
        .exec<{ id: string; hash: string; refresh_id: string | null; grant_type: string; issued_at: number; expires_at: number }>(
          "SELECT * FROM access_tokens ORDER BY issued_at DESC LIMIT 1",
        )
        .toArray()
        .map(
          (row): AccessRow => ({
            id: row.id,
            hash: row.hash,
            refreshId: row.refresh_id,
            grantType: row.grant_type,
            issuedAt: row.issued_at,
            expiresAt: row.expires_at,
          }),
        )[0] ?? null;
    const refresh =
      sql
        .exec<{ id: string; hash: string; issued_at: number; expires_at: number }>(
          "SELECT * FROM refresh_tokens ORDER BY issued_at DESC LIMIT 1",
        )
        .toArray()
        .map((row): RefreshRow => ({ id: row.id, hash: row.hash, issuedAt: row.issued_at, expiresAt: row.expires_at }))[0] ??
      null;
    return { access, refresh };
  }

  private recordWrite(
    request: IssueRequest,
    kind: TokenKind,
    token: MintedToken,
    now: number,
    expiresAt: number,
  ): KvWrite {
    const record: TokenRecord = {
      kind,
      client_id: request.key.clientId,
      ...(request.key.username ? { username: request.key.username } : {}),
      sub: request.subject,
      scope: request.key.scope,
      iss: request.issuer,
      jti: token.id,
      grant_type: request.grantType,
      grant: this.ctx.id.toString(),
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
    };
    return tokenRecordWrite(token.hash, record);
  }

  /** Performs this request's KV writes; a failure leaves them queued for the alarm. */
  private async publish(seqs: number[]): Promise<void> {
    if (!(await this.outbox.flush(seqs))) await this.scheduleRetry();
  }

  private async scheduleRetry(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    const attempts = this.ctx.storage.sql
      .exec<{ n: number | null }>("SELECT max(attempts) AS n FROM outbox")
      .one().n ?? 0;
    const delay = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0]!;
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }

  private async mintAccess(generator: AccessTokenGenerator, request: IssueRequest, now: number): Promise<MintedToken> {
    const id = newTokenId();
    const token = await generator.generate(this.tokenKey, {
      ...this.accessInput(request, { id, issuedAt: now, expiresAt: now + request.accessTokenLifetimeMs }),
    });
    return { id, token, hash: await sha256(token) };
  }

  private async mint(kind: TokenKind): Promise<MintedToken> {
    const id = newTokenId();
    const token = await this.derive(kind, id);
    return { id, token, hash: await sha256(token) };
  }

  private derive(kind: TokenKind, tokenId: string): Promise<string> {
    return deriveOpaqueToken(this.tokenKey, kind, { grantId: this.ctx.id.toString(), tokenId });
  }

  private accessInput(request: IssueRequest, row: Pick<AccessRow, "id" | "issuedAt" | "expiresAt">) {
    return {
      ref: { grantId: this.ctx.id.toString(), tokenId: row.id },
      clientId: request.key.clientId,
      subject: request.subject,
      scope: request.key.scope,
      issuer: request.issuer,
      issuedAt: row.issuedAt,
      expiresAt: row.expiresAt,
    };
  }

  /** The object's HMAC key for token strings: created once, kept in its own storage. */
  private tokenKeyMaterial(): string {
    const sql = this.ctx.storage.sql;
    const existing = sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'token_key'").toArray()[0];
    if (existing) return existing.value;
    const material = newTokenKeyMaterial();
    sql.exec("INSERT INTO meta (name, value) VALUES ('token_key', ?)", material);
    return material;
  }

  /** Guards against a routing bug: an object only ever serves the key it is named after. */
  private checkKey(key: GrantKey): void {
    const name = grantObjectName(key);
    const sql = this.ctx.storage.sql;
    const stored = sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'key'").toArray()[0];
    if (!stored) sql.exec("INSERT INTO meta (name, value) VALUES ('key', ?)", name);
    else if (stored.value !== name) throw new Error("grant object received a request for another key");
  }
}
