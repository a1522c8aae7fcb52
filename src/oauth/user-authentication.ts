import type { Config } from "../config/config";
import type { Env } from "../env";
import type { LockoutPolicy } from "../registry/lockout-object";
import { findUserCredentials } from "../registry/lookup";
import { spendPasswordCheck, verifyPassword } from "../registry/password-hash";
import { userNameKey } from "../registry/user-record";
import { constantTimeEqual } from "../tokens/hash";

/** A resource owner authenticated by the password grant. */
export interface User {
  /**
   * The user's stable id, the `sub` of its tokens: the SCIM id (never reassigned), or for the
   * administrator, who is no SCIM user, ADMIN_USERNAME.
   */
  id: string;
  /** The canonical userName, which goes into the grant key. */
  username: string;
  /** The user's epoch when authenticated (see RevocationFanout); 0 for the administrator. */
  epoch: number;
}

interface Candidate {
  id: string;
  username: string;
  epoch: number;
  verify(password: string): Promise<boolean>;
}

/**
 * Authenticates a resource owner: the super administrator (ADMIN_USERNAME / ADMIN_PASSWORD, a user
 * of the password grant as in WSO2) or an active SCIM user. WSO2's account lock applies to both:
 * after too many failures within the window, attempts are refused for a while, with the same
 * answer as a wrong password. Null for every kind of failure: nothing to enumerate.
 */
export async function authenticateUser(env: Env, config: Config, username: string, password: string): Promise<User | null> {
  const candidate = await findCandidate(env, config, username);
  if (!candidate) {
    await spendPasswordCheck(password); // an unknown user costs what a wrong password costs
    return null;
  }
  const policy: LockoutPolicy = config.lockout;
  const lock = env.LOCKOUTS.getByName(userNameKey(candidate.username));
  // The lock is consulted after the password check, in one call, so the verdict and the count
  // follow the order in which attempts complete; a locked account answers like a wrong password.
  const verified = await candidate.verify(password);
  const { locked } = verified ? await lock.recordSuccess() : await lock.recordFailure(policy);
  return verified && !locked ? { id: candidate.id, username: candidate.username, epoch: candidate.epoch } : null;
}

async function findCandidate(env: Env, config: Config, username: string): Promise<Candidate | null> {
  const { admin } = config;
  if (admin && userNameKey(username) === userNameKey(admin.username)) {
    // The administrator's check costs what a user's PBKDF2 check costs (SPEC §14): a wrong admin
    // password must not answer faster and so tell the administrator's name.
    const verify = async (password: string) => {
      const [matches] = await Promise.all([constantTimeEqual(password, admin.password), spendPasswordCheck(password)]);
      return matches;
    };
    return { id: admin.username, username: admin.username, epoch: 0, verify };
  }
  const user = await findUserCredentials(env, username);
  if (!user || !user.active) return null;
  return { id: user.id, username: user.userName, epoch: user.epoch, verify: (password) => verifyPassword(password, user.password) };
}

/**
 * Whether a user who authenticated earlier (a browser session) is still that user, active, with
 * the same credentials: a deleted, deactivated or re-created user, or a changed password, ends
 * the session's use. (Tokens are refused by their grant object's fence anyway; this spares the
 * user a code that cannot be redeemed.)
 */
export async function isStillValid(env: Env, config: Config, user: Pick<User, "id" | "username" | "epoch">): Promise<boolean> {
  const { admin } = config;
  if (admin && userNameKey(user.username) === userNameKey(admin.username)) return user.id === admin.username;
  const current = await findUserCredentials(env, user.username);
  return current !== null && current.active && current.id === user.id && current.epoch <= user.epoch;
}
