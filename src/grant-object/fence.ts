import { failure, MESSAGES, type Failure } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import type { GrantIndexOutcome } from "../protocol/registry-rpc";
import type { TokenRowBase } from "./issue-decision";

/**
 * The fence rules of a grant object, pure. An object's fence is the lowest client and user epochs
 * it still serves; it only rises: when the registry's fan-out reaches it, or when a request
 * arrives authenticated under newer credentials than the object has seen.
 */

/** The failure for a request authenticated under credentials older than the fence, or null. */
export function refusal(fence: Fence, presented: Fence): Failure | null {
  if (presented.clientEpoch < fence.clientEpoch) return failure("invalid_client", MESSAGES.clientAuthFailed);
  if (presented.userEpoch < fence.userEpoch) return failure("invalid_grant", MESSAGES.userAuthFailed);
  return null;
}

/** The failure for an answer of the registry's grant index other than "indexed". */
export function indexRefusal(outcome: Exclude<GrantIndexOutcome, "indexed">): Failure {
  switch (outcome) {
    case "stale_client":
      return failure("invalid_client", MESSAGES.clientAuthFailed);
    case "stale_user":
      return failure("invalid_grant", MESSAGES.userAuthFailed);
    case "client_key_limit":
      return failure("invalid_request", "The client has reached MAX_KEYS_PER_CLIENT: no new scope combination can be issued.");
    case "user_key_limit":
      return failure("invalid_request", "The user has reached MAX_KEYS_PER_USER: no new scope combination can be issued.");
  }
}

/** Whether `next` raises either epoch of `current`. */
export function raises(current: Fence, next: Fence): boolean {
  return next.clientEpoch > current.clientEpoch || next.userEpoch > current.userEpoch;
}

export function highest(current: Fence, next: Fence): Fence {
  return { clientEpoch: Math.max(current.clientEpoch, next.clientEpoch), userEpoch: Math.max(current.userEpoch, next.userEpoch) };
}

/** A token issued under epochs older than the fence is dead. */
export function isBehind(row: TokenRowBase, fence: Fence): boolean {
  return row.clientEpoch < fence.clientEpoch || row.userEpoch < fence.userEpoch;
}
