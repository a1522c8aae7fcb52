import { describe, expect, it } from "vitest";
import { decideIssue, type AccessRow, type IssuePolicy, type RefreshRow } from "../src/grant-object/issue-decision";

const NOW = 1_000_000_000;
const HOUR = 3_600_000;
const access = (expiresIn: number): AccessRow => ({
  id: "a",
  hash: "ha",
  scope: "s",
  format: "opaque",
  refreshId: "r",
  grantType: "password",
  issuedAt: NOW - 1000,
  expiresAt: NOW + expiresIn,
  clientEpoch: 1,
  userEpoch: 0,
});
const refresh = (expiresIn: number): RefreshRow => ({ id: "r", hash: "hr", issuedAt: NOW - 1000, expiresAt: NOW + expiresIn, clientEpoch: 1, userEpoch: 0 });
const policy = (overrides: Partial<IssuePolicy> = {}): IssuePolicy => ({
  scope: "s",
  format: "opaque",
  renewAccessToken: false,
  renewRefreshToken: false,
  issueRefreshToken: true,
  accessTokenLifetimeMs: HOUR,
  ...overrides,
});

describe("decideIssue: what the second token request of a key does (SPEC §5.2)", () => {
  it("first request: issue a new pair, nothing to supersede", () => {
    expect(decideIssue({ access: null, refresh: null }, policy(), NOW)).toEqual({
      kind: "issue",
      supersede: { access: null, refresh: null },
      keepRefresh: null,
    });
  });

  it("renewal off, both valid: reuse with whole seconds left, rounded down", () => {
    const decision = decideIssue({ access: access(1800_999), refresh: refresh(80_000_000) }, policy(), NOW);
    expect(decision).toMatchObject({ kind: "reuse", expiresIn: 1800 });
  });

  it("renewal off, access token with exactly 1 s left counts as expired", () => {
    const current = { access: access(1000), refresh: refresh(80_000_000) };
    expect(decideIssue(current, policy(), NOW)).toEqual({
      kind: "issue",
      supersede: { access: current.access, refresh: null },
      keepRefresh: current.refresh,
    });
    expect(decideIssue({ ...current, access: access(1001) }, policy(), NOW).kind).toBe("reuse");
  });

  it("renewal off, refresh token about to expire: the pair is unusable and issued anew", () => {
    const current = { access: access(HOUR), refresh: refresh(500) };
    expect(decideIssue(current, policy(), NOW)).toEqual({
      kind: "issue",
      supersede: { access: current.access, refresh: current.refresh },
      keepRefresh: null,
    });
  });

  it("renewal off, access expired, refresh outlives a new access token: keep the refresh token", () => {
    const current = { access: access(-5), refresh: refresh(HOUR + 1) };
    expect(decideIssue(current, policy(), NOW)).toMatchObject({ kind: "issue", keepRefresh: current.refresh });
  });

  it("renewal off, access expired, refresh would die before a new access token: new pair", () => {
    const current = { access: access(-5), refresh: refresh(HOUR - 1) };
    expect(decideIssue(current, policy(), NOW)).toMatchObject({ kind: "issue", keepRefresh: null });
  });

  it("renewal on (setting): revoke both and issue a new pair even with time left", () => {
    const current = { access: access(HOUR), refresh: refresh(20 * HOUR) };
    expect(decideIssue(current, policy({ renewAccessToken: true, renewRefreshToken: true }), NOW)).toEqual({
      kind: "issue",
      supersede: { access: current.access, refresh: current.refresh },
      keepRefresh: null,
    });
  });

  it("renewal forced by a generator only (JWT): new access token, refresh token kept", () => {
    const current = { access: access(HOUR), refresh: refresh(20 * HOUR) };
    expect(decideIssue(current, policy({ renewAccessToken: true }), NOW)).toEqual({
      kind: "issue",
      supersede: { access: current.access, refresh: null },
      keepRefresh: current.refresh,
    });
  });

  it("renewal off, access token narrowed by a refresh: not reused for the key's full scope", () => {
    const current = { access: { ...access(HOUR), scope: "narrow" }, refresh: refresh(20 * HOUR) };
    expect(decideIssue(current, policy(), NOW)).toEqual({
      kind: "issue",
      supersede: { access: current.access, refresh: null },
      keepRefresh: current.refresh,
    });
  });

  it("renewal off, access token of another format (client switched to jwt or back): not reused", () => {
    const current = { access: { ...access(HOUR), format: "jwt" }, refresh: refresh(20 * HOUR) };
    expect(decideIssue(current, policy(), NOW)).toMatchObject({ kind: "issue", keepRefresh: current.refresh });
  });

  it("client_credentials (no refresh token): reuse on access expiry alone", () => {
    const current = { access: { ...access(HOUR), refreshId: null }, refresh: null };
    expect(decideIssue(current, policy({ issueRefreshToken: false }), NOW)).toMatchObject({ kind: "reuse", expiresIn: 3600 });
  });
});
