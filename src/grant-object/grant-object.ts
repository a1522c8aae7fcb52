import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { currentSigningKey } from "../keys/signing-key-cache";
import { failure, MESSAGES, success } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import { REGISTRY_OBJECT_NAME } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import { Outbox } from "../store/outbox";
import { backoff, Publisher } from "../store/publisher";
import { generatorFor, type GeneratorKeys } from "../tokens/generator";
import { importTokenKey } from "../tokens/opaque";
import { highest, indexRefusal, refusal } from "./fence";
import type { IssueRequest, RefreshRequest, RevokeOutcome, RevokeRequest, TokenOutcome } from "./grant-rpc";
import { decideIssue } from "./issue-decision";
import type { GrantKey } from "./key";
import { GrantMeta } from "./meta";
import { TokenMinter } from "./minter";
import { checkRefresh } from "./refresh-rules";
import { migrateGrantSchema } from "./schema";
import { TokenRows } from "./token-rows";
import { GrantTransaction, type GrantStorage } from "./transaction";
import { kvOf } from "../runtime/kv";

/**
 * The grant Durable Object: one per (client, user, scopes) key, holding that key's live tokens.
 * The runtime delivers the requests of a key to this one object, and each request's
 * read-decide-write runs as one synchronous SQLite transaction (a GrantTransaction), so "revoke
 * the active token, issue a new one" never interleaves with another request of the key.
 * Everything asynchronous (minting candidate tokens) happens before the transaction; KV is
 * updated after it, through the outbox, by the publisher.
 */
export class GrantObject extends DurableObject<Env> {
  private readonly storage: GrantStorage;
  private readonly publisher: Publisher;
  private readonly minter: TokenMinter;
  private keys!: GeneratorKeys;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const outbox = new Outbox(ctx.storage.sql, () => kvOf(this.env, "TOKEN_STATUS"));
    this.storage = { rows: new TokenRows(ctx.storage.sql), meta: new GrantMeta(ctx.storage.sql), outbox };
    this.publisher = new Publisher(outbox, ctx.storage, backoff);
    this.minter = new TokenMinter(ctx.id.toString(), () => this.keys);
    void ctx.blockConcurrencyWhile(async () => {
      migrateGrantSchema(ctx.storage.sql);
      const tokenKey = await importTokenKey(this.storage.meta.tokenKeyMaterial());
      this.keys = { tokenKey, signingKey: () => currentSigningKey(this.env) };
    });
  }

  /** SPEC §5.2: issue (or, with renewal off, hand back) the key's tokens. */
  async issueTokens(request: IssueRequest): Promise<TokenOutcome> {
    const { key } = request;
    const generator = generatorFor(request.accessTokenFormat);
    if (!this.storage.meta.isIndexed()) {
      const indexed = await this.joinGrantIndex(request);
      if (indexed !== "indexed") return indexRefusal(indexed);
    }
    const issuedAt = now();
    const spec = { key, scope: key.scope, issuer: request.issuer, issuedAt, expiresAt: issuedAt + request.accessTokenLifetimeMs };
    const access = await this.minter.access(generator, spec);
    const refresh = request.issueRefreshToken ? await this.minter.refresh() : null;

    const outcome = this.ctx.storage.transactionSync(() => {
      const refused = refusal(this.storage.meta.fence(), request.fence);
      if (refused) return refused;
      this.storage.meta.bindKey(key);
      const tx = this.transaction(key, request.issuer, issuedAt);
      // Credentials newer than the fence: whatever was issued under older ones dies now, even if
      // the registry's fan-out has not reached this object yet.
      tx.raiseFence(request.fence);
      const decision = decideIssue(this.storage.rows.current(), { ...request, scope: key.scope, format: generator.format }, issuedAt);
      if (decision.kind === "reuse") return { ok: true as const, ...decision };
      if (decision.supersede.access) tx.retireAccess(decision.supersede.access);
      if (decision.supersede.refresh) tx.retireRefresh(decision.supersede.refresh);
      const epochs = request.fence;
      const refreshId =
        decision.keepRefresh?.id ??
        (refresh ? tx.addRefresh({ token: refresh, grantType: request.grantType, epochs, lifetimeMs: request.refreshTokenLifetimeMs }) : null);
      const aud = generator.format === "jwt" ? key.clientId : undefined;
      const grant = { scope: key.scope, format: generator.format, refreshId, grantType: request.grantType, epochs };
      tx.addAccess({ token: access, ...grant, lifetimeMs: request.accessTokenLifetimeMs, ...(aud ? { aud } : {}) });
      return { ok: true as const, kind: "issued" as const, keptRefresh: decision.keepRefresh, writes: tx.writes };
    });

    if (!outcome.ok) return outcome;
    if (outcome.kind === "reuse") {
      // The token handed back may be one whose KV record failed to write earlier: retry the queue
      // first, so it introspects active wherever KV allows.
      const answered = this.publisher.inCommitOrder(this.storage.outbox.pendingSeqs());
      const reused = { ...spec, issuedAt: outcome.access.issuedAt, expiresAt: outcome.access.expiresAt };
      const accessToken = (await this.minter.access(generator, reused, outcome.access.id)).token;
      const refreshToken = outcome.refresh ? await this.minter.derive("refresh", outcome.refresh.id) : null;
      await answered;
      return success({ accessToken, refreshToken, expiresIn: outcome.expiresIn, scope: key.scope });
    }
    await this.publisher.inCommitOrder(outcome.writes);
    const keptRefresh = outcome.keptRefresh ? await this.minter.derive("refresh", outcome.keptRefresh.id) : null;
    return success({
      accessToken: access.token,
      refreshToken: keptRefresh ?? refresh?.token ?? null,
      expiresIn: Math.floor(request.accessTokenLifetimeMs / 1000),
      scope: key.scope,
    });
  }

  /**
   * SPEC §5.4: exchange a live refresh token of this grant for a new access token; the previous
   * access token dies even with time left. With renewal, the refresh token is replaced too.
   */
  async refreshTokens(request: RefreshRequest): Promise<TokenOutcome> {
    const key = this.storage.meta.key();
    if (!key) return failure("invalid_grant", MESSAGES.refreshTokenInvalid);
    // Authenticated under a newer secret than this object knows: what the old one got dies now,
    // whether or not this refresh then succeeds (the registry's fan-out may not have arrived).
    if (key.clientId === request.clientId) await this.raiseFence({ clientEpoch: request.clientEpoch, userEpoch: 0 });
    const issuedAt = now();
    const precheck = this.checkRefresh(key, request, issuedAt);
    if (!precheck.ok) return precheck;
    const { scope } = precheck.value;
    const generator = generatorFor(request.accessTokenFormat);
    const spec = { key, scope, issuer: request.issuer, issuedAt, expiresAt: issuedAt + request.accessTokenLifetimeMs };
    const access = await this.minter.access(generator, spec);
    const replacement = request.renewRefreshToken ? await this.minter.refresh() : null;

    const outcome = this.ctx.storage.transactionSync(() => {
      // Checked again: another request may have used the token while this one was minting.
      const check = this.checkRefresh(key, request, issuedAt);
      if (!check.ok) return check;
      const { refresh } = check.value;
      const tx = this.transaction(key, request.issuer, issuedAt);
      for (const previous of this.storage.rows.accessOfRefresh(refresh.id)) tx.retireAccess(previous);
      // The new tokens inherit the user epoch of the grant (the user is not re-authenticated).
      const epochs = { clientEpoch: request.clientEpoch, userEpoch: refresh.userEpoch };
      let refreshId = refresh.id;
      if (replacement) {
        tx.retireRefresh(refresh);
        refreshId = tx.addRefresh({ token: replacement, grantType: "refresh_token", epochs, lifetimeMs: request.refreshTokenLifetimeMs });
      }
      const aud = generator.format === "jwt" ? key.clientId : undefined;
      const grant = { scope, format: generator.format, refreshId, grantType: "refresh_token", epochs };
      tx.addAccess({ token: access, ...grant, lifetimeMs: request.accessTokenLifetimeMs, ...(aud ? { aud } : {}) });
      return success({ kept: replacement ? null : refresh, writes: tx.writes });
    });
    if (!outcome.ok) return outcome;

    await this.publisher.inCommitOrder(outcome.value.writes);
    const kept = outcome.value.kept;
    return success({
      accessToken: access.token,
      refreshToken: kept ? await this.minter.derive("refresh", kept.id) : replacement!.token,
      expiresIn: Math.floor(request.accessTokenLifetimeMs / 1000),
      scope,
    });
  }

  /** SPEC §5.3: revoking either token of a pair revokes the pair; another client's token stays. */
  async revokeToken(request: RevokeRequest): Promise<RevokeOutcome> {
    const key = this.storage.meta.key();
    if (!key) return success("unknown");
    const outcome = this.ctx.storage.transactionSync(() => {
      const pair = this.storage.rows.pairOf(request.tokenHash, request.hint);
      if (pair.access.length + pair.refresh.length === 0) return success({ result: "unknown" as const, writes: [] as number[] });
      if (key.clientId !== request.clientId) return failure("unauthorized_client", "the token was not issued to this client");
      const tx = this.transaction(key, "", now());
      pair.access.forEach((row) => tx.retireAccess(row));
      pair.refresh.forEach((row) => tx.retireRefresh(row));
      return success({ result: "revoked" as const, writes: tx.writes });
    });
    if (!outcome.ok) return outcome;
    await this.publisher.publish(outcome.value.writes);
    return success(outcome.value.result);
  }

  /**
   * Kills every token of this object and refuses requests authenticated under older epochs: the
   * registry calls this when the client or user changed credentials or went away.
   */
  async revokeAll(fence: Fence): Promise<void> {
    await this.raiseFence(fence);
  }

  /** Strong introspection: is the token with this hash a live token of this object? */
  isLive(hash: string): boolean {
    return this.storage.rows.isLive(hash, now());
  }

  /** Retries KV writes that failed after their state change committed. */
  override async alarm(): Promise<void> {
    await this.publisher.retryPending();
  }

  private async raiseFence(fence: Fence): Promise<void> {
    const key = this.storage.meta.key();
    if (!key) {
      // No token yet, so nothing to retire: only the fence rises.
      this.ctx.storage.transactionSync(() => this.storage.meta.setFence(highest(this.storage.meta.fence(), fence)));
      return;
    }
    const writes = this.ctx.storage.transactionSync(() => {
      const tx = this.transaction(key, "", now());
      tx.raiseFence(fence);
      return tx.writes;
    });
    await this.publisher.publish(writes);
  }

  private checkRefresh(key: GrantKey, request: RefreshRequest, at: number) {
    return checkRefresh(key, this.storage.rows.refreshByHash(request.refreshTokenHash), request, this.storage.meta.fence(), at);
  }

  /** Retirements write only revocation records, so they need no issuer. */
  private transaction(key: GrantKey, issuer: string, at: number): GrantTransaction {
    return new GrantTransaction(this.storage, { grantId: this.ctx.id.toString(), key, issuer }, at);
  }

  /**
   * Registers this object in the registry's grant index before its first token, so a later
   * credential change or deletion reaches it. Anything but "indexed" means the registry already
   * knows the request's credentials are outdated.
   */
  private async joinGrantIndex(request: IssueRequest) {
    const outcome = await this.env.REGISTRY.getByName(REGISTRY_OBJECT_NAME).indexGrant({
      objectId: this.ctx.id.toString(),
      clientId: request.key.clientId,
      username: request.key.username,
      fence: request.fence,
    });
    if (outcome === "indexed") this.storage.meta.markIndexed();
    return outcome;
  }
}
