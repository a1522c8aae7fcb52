import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { currentSigningKey } from "../keys/signing-key-cache";
import { failure, MESSAGES, success } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import { now } from "../runtime/clock";
import { kvOf } from "../runtime/kv";
import { Outbox, type QueuedWrite } from "../store/outbox";
import { backoff, Publisher } from "../store/publisher";
import type { GeneratorKeys } from "../tokens/generator";
import { importTokenKey } from "../tokens/opaque";
import { CodeRows } from "./code-rows";
import { createCode, redeemCode, type CodeHost } from "./code-flow";
import { highest, indexRefusal } from "./fence";
import { GrantIndexMembership } from "./grant-index";
import { IndexCollection } from "./index-collection";
import type { CodeRequest, IssueRequest, RedeemRequest, RefreshRequest, RevokeOutcome, RevokeRequest, TokenOutcome } from "./grant-rpc";
import { issueInTransaction } from "./issuance";
import { TokenAnswers } from "./token-answers";
import type { GrantKey } from "./key";
import { GrantMeta } from "./meta";
import { TokenMinter } from "./minter";
import { refreshGrant } from "./refresh-flow";
import { Tombstones } from "./tombstones";
import { GrantSchema } from "./schema";
import { TokenRows } from "./token-rows";
import { GrantTransaction, type GrantStorage } from "./transaction";

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
  private readonly schema: GrantSchema;
  private readonly publisher: Publisher;
  private readonly minter: TokenMinter;
  private readonly codes: CodeRows;
  private readonly answers: TokenAnswers;
  private readonly tombstones: Tombstones;
  private keys!: GeneratorKeys;
  private keyMaterial: string | null = null;
  private readonly membership: GrantIndexMembership;
  private readonly collection: IndexCollection;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // TOKEN_STATUS keys are written once (token-status.ts), so performed rows can wait for the next transaction.
    const outbox = new Outbox(ctx.storage.sql, () => kvOf(this.env, "TOKEN_STATUS"), { performedRows: "delete with the next transaction" });
    this.storage = { rows: new TokenRows(ctx.storage.sql), meta: new GrantMeta(ctx.storage.sql), outbox };
    this.publisher = new Publisher(outbox, ctx.storage, backoff);
    this.minter = new TokenMinter(ctx.id.toString(), () => this.keys);
    this.codes = new CodeRows(ctx.storage.sql);
    this.answers = new TokenAnswers(this.storage, this.publisher, this.minter);
    this.tombstones = new Tombstones(ctx.storage.sql);
    this.collection = new IndexCollection(ctx, env, this.storage);
    this.membership = new GrantIndexMembership(env, this.storage.meta, ctx.id.toString(), this.collection);
    this.schema = new GrantSchema(ctx.storage, (tablesExist) => this.storage.meta.reload(tablesExist));
    this.storage.meta.reload(this.schema.exists);
    void ctx.blockConcurrencyWhile(async () => {
      const legacy = this.storage.meta.legacyTokenKeyMaterial();
      if (legacy) await this.useKeys(legacy);
      await this.collection.resume();
    });
  }

  /** The token key of this object (see IssueSettings.tokenKey), imported once per material. */
  private async useKeys(material: string): Promise<void> {
    const chosen = this.storage.meta.legacyTokenKeyMaterial() ?? material;
    if (this.keyMaterial === chosen) return;
    const tokenKey = await importTokenKey(chosen);
    this.keys = { tokenKey, signingKey: () => currentSigningKey(this.env) };
    this.keyMaterial = chosen;
  }

  /** SPEC §5.2: issue (or, with renewal off, hand back) the key's tokens. */
  issueTokens(request: IssueRequest): Promise<TokenOutcome> {
    return this.collection.during(async () => {
      await this.useKeys(request.tokenKey);
      const indexed = await this.membership.join(request.key, request.fence, request.keyLimits, request);
      if (indexed !== "indexed") return indexRefusal(indexed);
      const issuedAt = now();
      const minted = await this.answers.mint(request, request.key, issuedAt);
      const step = this.writeJoined((created) =>
        issueInTransaction(this.storage, this.transaction(request, issuedAt), { ...minted, request, fence: request.fence }, created),
      );
      return this.answers.answer(step, request, minted);
    });
  }

  /** SPEC §10: stores a single-use authorization code for this key and returns it (code-flow.ts). */
  createCode(request: CodeRequest): Promise<string> {
    return this.collection.during(async () => {
      await this.useKeys(request.tokenKey);
      return createCode(this.codeHost(), request);
    });
  }

  /** RFC 6749 §4.1.3: exchanges a code for tokens, once (code-flow.ts). */
  redeemCode(request: RedeemRequest): Promise<TokenOutcome> {
    return this.collection.during(async () => {
      await this.useKeys(request.tokenKey);
      return redeemCode(this.codeHost(), request);
    });
  }

  /** SPEC §5.4 and §12: exchange a refresh token of this grant (see refresh-flow.ts). */
  refreshTokens(request: RefreshRequest): Promise<TokenOutcome> {
    return this.collection.during(async () => {
      await this.useKeys(request.tokenKey);
      return refreshGrant(
        {
          storage: this.storage,
          publisher: this.publisher,
          minter: this.minter,
          tombstones: this.tombstones,
          write: (body) => this.schema.write(body),
          transaction: (issue, at) => this.transaction(issue, at),
          raiseFence: (fence) => this.raiseFence(fence),
        },
        request,
      );
    });
  }

  /**
   * SPEC §5.3: revoking either token of a pair revokes the pair; another client's token stays. A
   * client authenticated under an epoch older than the fence (an old secret another location's
   * KV still accepts) is refused like a stale issue: it must not revoke tokens of the new secret.
   */
  async revokeToken(request: RevokeRequest): Promise<RevokeOutcome> {
    const key = this.storage.meta.key();
    if (!key) return success("unknown");
    const outcome = this.schema.write(() => {
      // The fence is about this object's client; another client's epoch means nothing here.
      const stale = key.clientId === request.clientId && request.clientEpoch < this.storage.meta.fence().clientEpoch;
      if (stale) return failure("invalid_client", MESSAGES.clientAuthFailed);
      const pair = this.storage.rows.pairOf(request.tokenHash, request.hint);
      if (pair.access.length + pair.refresh.length === 0) return success({ result: "unknown" as const, writes: [] as QueuedWrite[] });
      if (key.clientId !== request.clientId) return failure("unauthorized_client", "the token was not issued to this client");
      return success({ result: "revoked" as const, writes: this.retirements(key, now()).retirePair(pair).queueWrites() });
    });
    if (!outcome.ok) return outcome;
    await this.publisher.publish(outcome.value.writes);
    return success(outcome.value.result);
  }

  /** The registry's fan-out (changed credentials, a client or user gone): every token dies, older epochs are refused. */
  async revokeAll(fence: Fence): Promise<void> {
    await this.raiseFence(fence);
  }

  /** OIDC logout: every token issued through the browser session `sessionId` dies. */
  async revokeSession(sessionId: string): Promise<void> {
    await this.retireAndPublish((tx) => tx.retirePair(this.storage.rows.ofSession(sessionId)));
  }

  /** Strong introspection: is the token with this hash a live token of this object? */
  isLive(hash: string): boolean {
    return this.schema.exists && this.storage.rows.isLive(hash, now());
  }

  /** Retries KV writes that failed after their state change committed; leaves the index once nothing is usable. */
  override async alarm(): Promise<void> {
    // Only the collection check is armed before a first commit (grant-index.ts): nothing to retry.
    if (!this.schema.exists) return this.collection.checkUnrecorded();
    await this.publisher.retryPending();
    await this.collection.check();
  }

  private async raiseFence(fence: Fence): Promise<void> {
    if (!this.storage.meta.key()) {
      // No token yet, so nothing to retire: only the fence rises.
      this.schema.write(() => this.storage.meta.setFence(highest(this.storage.meta.fence(), fence)));
      return;
    }
    await this.retireAndPublish((tx) => tx.raiseFence(fence));
  }

  private codeHost(): CodeHost {
    return {
      storage: this.storage,
      codes: this.codes,
      answers: this.answers,
      minter: this.minter,
      join: (key, fence, limits, lifetimes) => this.membership.join(key, fence, limits, lifetimes),
      write: (body) => this.schema.write(body),
      writeJoined: (body) => this.writeJoined(body),
      transaction: (issue, at) => this.transaction(issue, at),
      retireAndPublish: (retire) => this.retireAndPublish(retire),
    };
  }

  /** The transaction of a request that joined the grant index (grant-index.ts): records that with its writes. */
  private writeJoined<T>(body: (created: boolean) => T): T {
    return this.schema.write((created) => {
      this.membership.record();
      return body(created);
    });
  }

  /** One transaction that only retires tokens (no claims to record), then its KV writes. */
  private async retireAndPublish(retire: (tx: GrantTransaction) => void): Promise<void> {
    const key = this.storage.meta.key();
    if (!key) return;
    const writes = this.schema.write(() => {
      const tx = this.retirements(key, now());
      retire(tx);
      return tx.queueWrites();
    });
    await this.publisher.publish(writes);
  }

  /** The unit of work of a request that issues: its token records name `sub` and `iss`. */
  private transaction(issue: { key: GrantKey; subject: string; issuer: string }, at: number): GrantTransaction {
    return new GrantTransaction(this.storage, { grantId: this.ctx.id.toString(), key: issue.key, subject: issue.subject, issuer: issue.issuer }, at);
  }

  /** A unit of work that only retires tokens: revocation records carry no claims. */
  private retirements(key: GrantKey, at: number): GrantTransaction {
    return this.transaction({ key, subject: "", issuer: "" }, at);
  }
}
