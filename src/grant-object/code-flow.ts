import { failure } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import type { GrantIndexOutcome, KeyLimits } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import type { CodeRows } from "./code-rows";
import { CODE_INVALID, codeRefusal, isReplay } from "./code-rules";
import { indexRefusal } from "./fence";
import type { CodeRequest, IssueSettings, RedeemRequest, TokenOutcome } from "./grant-rpc";
import { issueInTransaction, type IssueStep } from "./issuance";
import type { GrantKey } from "./key";
import type { TokenMinter } from "./minter";
import type { TokenAnswers } from "./token-answers";
import type { GrantStorage, GrantTransaction } from "./transaction";

type Lifetimes = Pick<IssueSettings, "accessTokenLifetimeMs" | "refreshTokenLifetimeMs">;

/** What the authorization-code flow needs of its grant object. */
export interface CodeHost {
  storage: GrantStorage;
  codes: CodeRows;
  answers: TokenAnswers;
  minter: TokenMinter;
  join(key: GrantKey, fence: Fence, limits: KeyLimits, lifetimes: Lifetimes): Promise<GrantIndexOutcome>;
  write<T>(body: () => T): T;
  /** A transaction of a request that joined the grant index (see GrantObject.writeJoined). */
  writeJoined<T>(body: () => T): T;
  transaction(issue: { key: GrantKey; subject: string; issuer: string }, at: number): GrantTransaction;
  retireAndPublish(retire: (tx: GrantTransaction) => void): Promise<void>;
}

/** SPEC §10: stores a single-use authorization code for this key and returns it. */
export async function createCode(host: CodeHost, request: CodeRequest): Promise<string> {
  const code = await host.minter.opaque("code");
  const issuedAt = now();
  host.write(() => {
    host.storage.meta.bindKey(request.key);
    host.codes.prune(issuedAt);
    const expiresAt = issuedAt + request.lifetimeMs;
    const { key, lifetimeMs: _lifetime, tokenKey: _tokenKey, ...bound } = request;
    host.codes.insert({ ...bound, clientId: key.clientId, id: code.id, hash: code.hash, issuedAt, expiresAt, keepUntil: expiresAt, redeemedAt: null, accessId: null, refreshId: null });
  });
  return code.token;
}

/**
 * RFC 6749 §4.1.3: exchanges a code for tokens, once. A second redemption (even a concurrent
 * one) is a replay: refused, and the tokens the first gave are revoked (§4.1.2).
 */
export async function redeemCode(host: CodeHost, request: RedeemRequest): Promise<TokenOutcome> {
  const { storage, codes } = host;
  const key = storage.meta.key();
  // No key, no tables (schema.ts): no code either.
  const first = key && codes.byHash(request.codeHash);
  if (!key || !first) return failure("invalid_grant", CODE_INVALID);
  if (isReplay(first, request)) return revokeReplayed(host, request.codeHash);
  const refused = codeRefusal(first, request, now(), key.jkt ?? null);
  if (refused) return refused;
  const fence = { clientEpoch: request.clientEpoch, userEpoch: first.userEpoch };
  const indexed = await host.join(key, fence, request.keyLimits, request);
  if (indexed !== "indexed") return indexRefusal(indexed);
  const issuedAt = now();
  const issue = { ...request, key, subject: first.subject, sessionId: first.sessionId };
  const minted = await host.answers.mint(issue, key, issuedAt);
  const step = host.writeJoined((): IssueStep | { replay: true } => {
    // Checked again: a concurrent redemption may have won while this one was minting.
    const code = codes.byHash(request.codeHash);
    if (isReplay(code, request)) return { replay: true };
    const refusedNow = codeRefusal(code, request, issuedAt, key.jkt ?? null);
    if (refusedNow || !code) return refusedNow ?? failure("invalid_grant", CODE_INVALID);
    const issued = issueInTransaction(storage, host.transaction(issue, issuedAt), { ...minted, request: issue, fence, familyId: code.id });
    if (!issued.ok) return issued;
    const tokens = issued.kind === "issued" ? issued : { accessId: issued.access.id, refreshId: issued.refresh?.id ?? null };
    const keepUntil = issuedAt + Math.max(request.accessTokenLifetimeMs, request.refreshTokenLifetimeMs);
    codes.markRedeemed(code.id, issuedAt, { accessId: tokens.accessId, refreshId: tokens.refreshId }, keepUntil);
    return issued;
  });
  if ("replay" in step) return revokeReplayed(host, request.codeHash);
  const login = { subject: first.subject, userName: key.username, nonce: first.nonce, authTime: first.authTime, sessionId: first.sessionId };
  return host.answers.answer(step, issue, minted, login);
}

/** A replayed code: the tokens its first redemption gave die now, and the request is refused. */
async function revokeReplayed(host: CodeHost, codeHash: string): Promise<TokenOutcome> {
  const { rows } = host.storage;
  const code = host.codes.byHash(codeHash);
  // Everything descended from the code (refreshes included), and what it gave if that was a
  // pair it handed back rather than issued (renewal off).
  await host.retireAndPublish((tx) => code && tx.retirePair(rows.ofFamily(code.id)).retirePair(rows.pairOfIds(code)));
  return failure("invalid_grant", CODE_INVALID);
}
