import type { Env } from "../env";
import { throttleObjectName, type ThrottlePolicy } from "../registry/admin-throttle-object";
import { OAuthError } from "../protocol/errors";
import { now } from "../runtime/clock";

/** An address gets 10 wrong administrator passwords per 15 minutes, then waits 15 minutes. */
const PER_IP: ThrottlePolicy = { maxFailures: 10, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
/** Under a distributed guess (over 100 failures a minute in all), one wrong password blocks an address. */
const GLOBAL: ThrottlePolicy = { maxFailures: Number.MAX_SAFE_INTEGER, windowMs: 60_000, blockMs: 0 };
const GLOBAL_ALARM = 100;
const UNDER_ATTACK: ThrottlePolicy = { ...PER_IP, maxFailures: 1 };

/**
 * Addresses that authenticated as the administrator a moment ago in this isolate: they skip the
 * throttle check for a few seconds (a guesser never succeeds, so never gets here), which keeps
 * the administrator's introspection cheap.
 */
const trusted = new Map<string, number>();
const TRUST_MS = 10_000;

/** 429 with Retry-After (RFC 6585), the `slow_down` of RFC 8628 §3.5 in spirit. */
function slowDown(blockedMs: number): OAuthError {
  return new OAuthError("slow_down", "Too many failed administrator authentications from this address; retry later.", 429, {
    "Retry-After": String(Math.ceil(blockedMs / 1000)),
  });
}

/**
 * SPEC §14: wraps the administrator's password check. A blocked address is answered 429 before
 * the password is looked at (so a right guess is not told apart from a wrong one); a failure is
 * counted for the address and globally. The administrator is never locked out as such: only the
 * addresses that failed are blocked.
 */
export async function throttledAdminCheck(env: Env, ip: string, check: () => Promise<boolean>): Promise<boolean> {
  const at = now();
  const throttle = env.ADMIN_THROTTLE.getByName(throttleObjectName({ ip }));
  if ((trusted.get(ip) ?? 0) <= at) {
    const blocked = await throttle.blockedFor();
    if (blocked > 0) throw slowDown(blocked);
  }
  if (await check()) {
    if (trusted.size > 10_000) trusted.clear();
    trusted.set(ip, at + TRUST_MS);
    return true;
  }
  trusted.delete(ip);
  const global = await env.ADMIN_THROTTLE.getByName(throttleObjectName("global")).recordFailure(GLOBAL);
  const { blockedMs } = await throttle.recordFailure(global.recent > GLOBAL_ALARM ? UNDER_ATTACK : PER_IP);
  if (blockedMs > 0) throw slowDown(blockedMs);
  return false;
}
