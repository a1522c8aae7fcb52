import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { Outbox } from "../store/outbox";
import { revocationRecordWrite, tokenRecordWrite } from "../store/token-status";
import { currentSigningKey } from "../keys/signing-key-cache";
import { generatorFor, type AccessTokenGenerator, type GeneratorKeys } from "../tokens/generator";
import { sha256 } from "../tokens/hash";
import { deriveOpaqueToken, importTokenKey, newTokenId, type TokenKind } from "../tokens/opaque";
import { jtiOf } from "../tokens/ref";
import { decideIssue, type AccessRow, type RefreshRow } from "./issue-decision";
import { GrantMeta } from "./grant-meta";
import type {
  GrantFailure,
  IssueRequest,
  IssueResult,
  IssueSettings,
  RefreshRequest,
  RevokeOutcome,
  RevokeRequest,
  TokenOutcome,
} from "./grant-protocol";
import type { GrantKey } from "./key";
import { narrowScope } from "./scope-narrowing";
import { migrateGrantSchema } from "./schema";
import type { Fence } from "../registry/revocation-fanout";
import type { GrantIndexOutcome } from "../registry/registry-object";
import { registryObject } from "../store/registry-cache";
import { TokenRows } from "./token-rows";

type TokenPair = (readonly ["access_tokens" | "refresh_tokens", AccessRow | RefreshRow])[];

interface MintedToken {
  id: string;
  token: string;
  hash: string;
}

const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
/** A token with one second or less left counts as expired (WSO2). */
const EXPIRY_MARGIN_MS = 1000;

/**
 * The grant Durable Object: one per (client, user, scopes) key, holding that key's live tokens.
 * The runtime delivers the requests of a key to this one object, and each request's
 * read-decide-write runs as one synchronous SQLite transaction, so "revoke the active token,
 * issue a new one" never interleaves with another request of the key. Everything asynchronous
 * (minting candidate tokens) happens before the transaction; KV is updated after it, through
 * the outbox.
 */
export class GrantObject extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private readonly rows: TokenRows;
  private readonly meta: GrantMeta;
  private keys!: GeneratorKeys;
  /** The answer of the request committed last (see inCommitOrder). */
  private lastAnswer: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql, () => this.env.TOKEN_STATUS);
    this.rows = new TokenRows(ctx.storage.sql);
    this.meta = new GrantMeta(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrateGrantSchema(ctx.storage.sql);
      const tokenKey = await importTokenKey(this.meta.tokenKeyMaterial());
      this.keys = { tokenKey, signingKey: () => currentSigningKey(this.env) };
    });
  }

  /** SPEC §5.2: issue (or, with renewal off, hand back) the key's tokens. */
  async issue(request: IssueRequest): Promise<TokenOutcome> {
    const generator = generatorFor(request.accessTokenFormat);
    if (!this.meta.isIndexed()) {
      const registration = await this.register(request);
      if (registration !== "indexed") return staleCredentials(registration);
    }
    const now = Date.now();
    const access = await this.mintAccess(generator, request, request.key, request.key.scope, now);
    const refresh = request.issueRefreshToken ? await this.mint("refresh") : null;

    const outcome = this.ctx.storage.transactionSync(() => {
      const fence = this.meta.fence();
      if (request.fence.clientEpoch < fence.clientEpoch) return { kind: "refused" as const, failure: staleCredentials("stale_client") };
      if (request.fence.userEpoch < fence.userEpoch) return { kind: "refused" as const, failure: staleCredentials("stale_user") };
      this.meta.bindKey(request.key);
      const writes: number[] = [];
      // Credentials newer than the fence: whatever was issued under older ones dies now, even if
      // the registry's fan-out has not reached this object yet.
      this.applyFence(request.fence, now, writes);
      const policy = { ...request, scope: request.key.scope, format: generator.format };
      const decision = decideIssue(this.rows.current(), policy, now);
      if (decision.kind === "reuse") return decision;
      if (decision.supersede.access) this.retire("access_tokens", decision.supersede.access, now, writes);
      if (decision.supersede.refresh) this.retire("refresh_tokens", decision.supersede.refresh, now, writes);
      const refreshId =
        decision.keepRefresh?.id ??
        (refresh ? this.addRefresh(request.key, request, { grantType: request.grantType, epochs: request.fence }, refresh, now, writes) : null);
      const grant = { scope: request.key.scope, format: generator.format, refreshId, grantType: request.grantType, epochs: request.fence };
      this.addAccess(request.key, request, grant, access, now, writes);
      return { kind: "issued" as const, keptRefresh: decision.keepRefresh, writes };
    });

    if (outcome.kind === "refused") return outcome.failure;
    if (outcome.kind === "reuse") {
      // The token handed back may be one whose KV record failed to write earlier: retry the queue
      // first, so it introspects active wherever KV allows.
      const answered = this.inCommitOrder(this.outbox.pendingSeqs());
      const tokens = {
        accessToken: await generator.generate(this.keys, this.accessInput(request, request.key, outcome.access)),
        refreshToken: outcome.refresh ? await this.derive("refresh", outcome.refresh.id) : null,
        expiresIn: outcome.expiresIn,
        scope: request.key.scope,
      };
      await answered;
      return ok(tokens);
    }
    await this.inCommitOrder(outcome.writes);
    return ok({
      accessToken: access.token,
      refreshToken: outcome.keptRefresh ? await this.derive("refresh", outcome.keptRefresh.id) : (refresh?.token ?? null),
      expiresIn: Math.floor(request.accessTokenLifetimeMs / 1000),
      scope: request.key.scope,
    });
  }

  /**
   * SPEC §5.4: exchange a live refresh token of this grant for a new access token; the previous
   * access token dies even with time left. With renewal, the refresh token is replaced too.
   */
  async refresh(request: RefreshRequest): Promise<TokenOutcome> {
    const key = this.meta.key();
    if (!key) return invalidGrant("The refresh token is invalid, expired or revoked.");
    if (key.clientId === request.clientId) await this.learnClientEpoch(request.clientEpoch);
    const now = Date.now();
    const precheck = this.checkRefresh(key, request, now);
    if (!precheck.ok) return precheck;
    const generator = generatorFor(request.accessTokenFormat);
    const access = await this.mintAccess(generator, request, key, precheck.scope, now);
    const replacement = request.renewRefreshToken ? await this.mint("refresh") : null;

    const outcome = this.ctx.storage.transactionSync(() => {
      // Checked again: another request may have used the token while this one was minting.
      const check = this.checkRefresh(key, request, now);
      if (!check.ok) return check;
      const writes: number[] = [];
      for (const previous of this.rows.accessOfRefresh(check.refresh.id)) this.retire("access_tokens", previous, now, writes);
      let refreshId = check.refresh.id;
      // The new tokens inherit the user epoch of the grant (the user is not re-authenticated).
      const epochs = { clientEpoch: request.clientEpoch, userEpoch: check.refresh.userEpoch };
      if (replacement) {
        this.retire("refresh_tokens", check.refresh, now, writes);
        refreshId = this.addRefresh(key, request, { grantType: "refresh_token", epochs }, replacement, now, writes);
      }
      const grant = { scope: check.scope, format: generator.format, refreshId, grantType: "refresh_token", epochs };
      this.addAccess(key, request, grant, access, now, writes);
      return { ok: true as const, scope: check.scope, kept: replacement ? null : check.refresh, writes };
    });
    if (!outcome.ok) return outcome;

    await this.inCommitOrder(outcome.writes);
    return {
      ok: true,
      tokens: {
        accessToken: access.token,
        refreshToken: outcome.kept ? await this.derive("refresh", outcome.kept.id) : replacement!.token,
        expiresIn: Math.floor(request.accessTokenLifetimeMs / 1000),
        scope: outcome.scope,
      },
    };
  }

  /** SPEC §5.3: revoking either token of a pair revokes the pair; another client's token stays. */
  async revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    const key = this.meta.key();
    if (!key) return "unknown";
    const outcome = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const pair = this.pairOf(request.tokenHash, request.hint);
      if (pair.length === 0) return { result: "unknown" as const, writes: [] };
      if (key.clientId !== request.clientId) return { result: "foreign" as const, writes: [] };
      const writes: number[] = [];
      for (const [table, row] of pair) this.retire(table, row, now, writes);
      return { result: "revoked" as const, writes };
    });
    await this.publish(outcome.writes);
    return outcome.result;
  }

  /**
   * Kills every token of this object and refuses requests authenticated under older epochs: the
   * registry calls this when the client or user changed credentials or went away.
   */
  async revokeAll(fence: Fence): Promise<void> {
    const writes = this.ctx.storage.transactionSync(() => {
      const writes: number[] = [];
      this.applyFence(fence, Date.now(), writes);
      return writes;
    });
    await this.publish(writes);
  }

  /**
   * The caller authenticated as this object's client under `clientEpoch`: if that is newer than
   * the fence, the secret was rotated and whatever was issued under the old one dies now, whether
   * or not this refresh then succeeds (the registry's fan-out may not have reached this object).
   */
  private async learnClientEpoch(clientEpoch: number): Promise<void> {
    if (clientEpoch <= this.meta.fence().clientEpoch) return;
    const writes = this.ctx.storage.transactionSync(() => {
      const writes: number[] = [];
      this.applyFence({ clientEpoch, userEpoch: 0 }, Date.now(), writes);
      return writes;
    });
    await this.publish(writes);
  }

  /**
   * Raises the fences to `fence` and retires every token issued under older epochs. Tokens issued
   * under the new credentials survive, so a late or retried fan-out never kills them.
   */
  private applyFence(fence: Fence, now: number, writes: number[]): void {
    const current = this.meta.fence();
    if (fence.clientEpoch <= current.clientEpoch && fence.userEpoch <= current.userEpoch) return;
    this.meta.raiseFence(fence);
    const raised = this.meta.fence();
    const stale = (row: AccessRow | RefreshRow) => row.clientEpoch < raised.clientEpoch || row.userEpoch < raised.userEpoch;
    for (const row of this.rows.allAccess().filter(stale)) this.retire("access_tokens", row, now, writes);
    for (const row of this.rows.allRefresh().filter(stale)) this.retire("refresh_tokens", row, now, writes);
  }

  /** Strong introspection: is the token with this hash a live token of this object? */
  isActive(hash: string): boolean {
    return this.rows.isLive(hash, Date.now());
  }

  /** Retries KV writes that failed after their state change committed. */
  override async alarm(): Promise<void> {
    if (!(await this.outbox.flushPending())) await this.scheduleRetry();
  }

  private checkRefresh(
    key: GrantKey,
    request: RefreshRequest,
    now: number,
  ): { ok: true; refresh: RefreshRow; scope: string } | GrantFailure {
    const refresh = this.rows.refreshByHash(request.refreshTokenHash);
    if (!refresh || refresh.expiresAt - now <= EXPIRY_MARGIN_MS) {
      return invalidGrant("The refresh token is invalid, expired or revoked.");
    }
    if (key.clientId !== request.clientId) return invalidGrant("The refresh token was issued to another client.");
    // Issued under an older client secret than the caller authenticated with, or presented with a
    // secret older than the object knows: dead either way.
    if (refresh.clientEpoch < request.clientEpoch || request.clientEpoch < this.meta.fence().clientEpoch) {
      return invalidGrant("The refresh token is invalid, expired or revoked.");
    }
    const scope = request.scope ? narrowScope(key.scope, request.scope) : key.scope;
    if (scope === null) {
      return { ok: false, error: "invalid_scope", description: "The requested scope exceeds the scope originally granted." };
    }
    return { ok: true, refresh, scope };
  }

  /** The live rows of the pair a token belongs to, looked up in the hinted order. */
  private pairOf(hash: string, hint: string | undefined): TokenPair {
    const lookups = [() => this.pairOfAccess(hash), () => this.pairOfRefresh(hash)];
    if (hint === "refresh_token") lookups.reverse();
    for (const lookup of lookups) {
      const pair = lookup();
      if (pair.length > 0) return pair;
    }
    return [];
  }

  private pairOfAccess(hash: string): TokenPair {
    const access = this.rows.accessByHash(hash);
    if (!access) return [];
    const refresh = access.refreshId ? this.rows.refreshById(access.refreshId) : null;
    return [["access_tokens", access], ...(refresh ? [["refresh_tokens", refresh] as const] : [])];
  }

  private pairOfRefresh(hash: string): TokenPair {
    const refresh = this.rows.refreshByHash(hash);
    if (!refresh) return [];
    return [["refresh_tokens", refresh], ...this.rows.accessOfRefresh(refresh.id).map((a) => ["access_tokens", a] as const)];
  }

  /** Deletes a token's row; if it still had time left, KV gets its revocation record. */
  private retire(table: "access_tokens" | "refresh_tokens", row: AccessRow | RefreshRow, now: number, writes: number[]): void {
    this.rows.delete(table, row.id);
    if (row.expiresAt > now) writes.push(this.outbox.enqueue(revocationRecordWrite(row.hash, row.expiresAt, now)));
  }

  private addAccess(
    key: GrantKey,
    settings: IssueSettings,
    grant: { scope: string; format: string; refreshId: string | null; grantType: string; epochs: Fence },
    token: MintedToken,
    now: number,
    writes: number[],
  ): void {
    const { epochs, ...rest } = grant;
    const row: AccessRow = { id: token.id, hash: token.hash, issuedAt: now, expiresAt: now + settings.accessTokenLifetimeMs, ...epochs, ...rest };
    this.rows.insertAccess(row);
    const aud = grant.format === "jwt" ? key.clientId : undefined;
    writes.push(this.outbox.enqueue(this.tokenRecord(key, settings, "access", grant.scope, grant.grantType, row, aud)));
  }

  private addRefresh(
    key: GrantKey,
    settings: IssueSettings,
    grant: { grantType: string; epochs: Fence },
    token: MintedToken,
    now: number,
    writes: number[],
  ): string {
    const { grantType, epochs } = grant;
    const row: RefreshRow = { id: token.id, hash: token.hash, issuedAt: now, expiresAt: now + settings.refreshTokenLifetimeMs, ...epochs };
    this.rows.insertRefresh(row);
    writes.push(this.outbox.enqueue(this.tokenRecord(key, settings, "refresh", key.scope, grantType, row)));
    return row.id;
  }

  private tokenRecord(
    key: GrantKey,
    settings: IssueSettings,
    kind: TokenKind,
    scope: string,
    grantType: string,
    row: RefreshRow,
    aud?: string,
  ) {
    return tokenRecordWrite(row.hash, {
      kind,
      client_id: key.clientId,
      ...(key.username ? { username: key.username } : {}),
      sub: subjectOf(key),
      scope,
      iss: settings.issuer,
      jti: jtiOf({ grantId: this.ctx.id.toString(), tokenId: row.id }),
      ...(aud ? { aud } : {}),
      grant_type: grantType,
      grant: this.ctx.id.toString(),
      iat: Math.floor(row.issuedAt / 1000),
      exp: Math.floor(row.expiresAt / 1000),
    });
  }

  /**
   * Performs a request's KV writes, then lets it answer only after every request that committed
   * before it has answered: the KV writes of different requests still run concurrently, but
   * answers leave in commit order, so after a burst the token answered last is the live one
   * (SPEC §2), and a reused token is never handed out before its record is written. Must be
   * called right after the transaction, with no await in between, so the chain follows commits.
   */
  private async inCommitOrder(writes: number[]): Promise<void> {
    const previous = this.lastAnswer;
    const mine = Promise.all([this.publish(writes), previous]).then(
      () => undefined,
      () => undefined,
    );
    this.lastAnswer = mine;
    await mine;
  }

  /** Performs a request's KV writes; a failure leaves them queued for the alarm. */
  private async publish(seqs: number[]): Promise<void> {
    if (!(await this.outbox.flush(seqs))) await this.scheduleRetry();
  }

  private async scheduleRetry(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    const attempts = this.ctx.storage.sql.exec<{ n: number | null }>("SELECT max(attempts) AS n FROM outbox").one().n ?? 1;
    const delay = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0]!;
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }

  private async mintAccess(
    generator: AccessTokenGenerator,
    settings: IssueSettings,
    key: GrantKey,
    scope: string,
    now: number,
  ): Promise<MintedToken> {
    const id = newTokenId();
    const token = await generator.generate(
      this.keys,
      this.accessInput(settings, { ...key, scope }, { id, issuedAt: now, expiresAt: now + settings.accessTokenLifetimeMs }),
    );
    return { id, token, hash: await sha256(token) };
  }

  private async mint(kind: TokenKind): Promise<MintedToken> {
    const id = newTokenId();
    const token = await this.derive(kind, id);
    return { id, token, hash: await sha256(token) };
  }

  private derive(kind: TokenKind, tokenId: string): Promise<string> {
    return deriveOpaqueToken(this.keys.tokenKey, kind, { grantId: this.ctx.id.toString(), tokenId });
  }

  /**
   * Registers this object in the registry's grant index before its first token, so a later
   * credential change or deletion reaches it. Anything but "indexed" means the registry already
   * knows the request's credentials are outdated.
   */
  private async register(request: IssueRequest): Promise<GrantIndexOutcome> {
    const outcome = await registryObject(this.env).indexGrant({
      objectId: this.ctx.id.toString(),
      clientId: request.key.clientId,
      username: request.key.username,
      fence: request.fence,
    });
    if (outcome === "indexed") this.meta.markIndexed();
    return outcome;
  }

  private accessInput(settings: IssueSettings, key: GrantKey, row: Pick<AccessRow, "id" | "issuedAt" | "expiresAt">) {
    return {
      ref: { grantId: this.ctx.id.toString(), tokenId: row.id },
      clientId: key.clientId,
      subject: subjectOf(key),
      scope: key.scope,
      issuer: settings.issuer,
      issuedAt: row.issuedAt,
      expiresAt: row.expiresAt,
    };
  }
}

/** The token's `sub`: the user, or the client itself when there is none (client_credentials). */
function subjectOf(key: GrantKey): string {
  return key.username || key.clientId;
}

function invalidGrant(description: string): GrantFailure {
  return { ok: false, error: "invalid_grant", description };
}

function ok(tokens: IssueResult): TokenOutcome {
  return { ok: true, tokens };
}

/** The request was authenticated with credentials that have since been changed or deleted. */
function staleCredentials(outcome: "stale_client" | "stale_user"): GrantFailure {
  return outcome === "stale_client"
    ? { ok: false, error: "invalid_client", description: "Client authentication failed." }
    : invalidGrant("Authentication failed: wrong username or password.");
}
