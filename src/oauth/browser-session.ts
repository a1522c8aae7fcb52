import type { SessionView } from "../browser/session-object";
import type { Config } from "../config/config";
import type { Env } from "../env";
import { now } from "../runtime/clock";
import { fromBase64Url, fromHex, randomBytes, toBase64Url, toHex } from "../tokens/encoding";
import { sha256 } from "../tokens/hash";
import { isStillValid, type User } from "./user-authentication";

/**
 * Browser sessions (SPEC §10): the value of the `__Host-session` cookie is
 * base64url(session object id ‖ 32 random bytes). The id leads to the session's own Durable
 * Object; the random part is its secret, kept there only as a SHA-256 hash, so neither a copy of
 * storage nor a guessed id opens a session.
 */
const ID_BYTES = 32;
const SECRET_BYTES = 32;

interface CookieParts {
  objectId: string; // hex
  secret: string;
}

function parseCookie(value: string): CookieParts | null {
  const bytes = value.length === 86 ? fromBase64Url(value) : null;
  if (!bytes || bytes.length !== ID_BYTES + SECRET_BYTES) return null;
  return { objectId: toHex(bytes.subarray(0, ID_BYTES)), secret: toBase64Url(bytes.subarray(ID_BYTES)) };
}

function sessionObject(env: Env, objectId: string) {
  try {
    return env.SESSIONS.get(env.SESSIONS.idFromString(objectId));
  } catch {
    return null; // not an id of this namespace
  }
}

/** Starts a session for a user who just logged in; returns the cookie value and the session. */
async function startSession(env: Env, config: Config, user: User, amr: string[]): Promise<{ cookie: string; session: SessionView }> {
  const id = env.SESSIONS.newUniqueId();
  const secret = randomBytes(SECRET_BYTES);
  const bytes = new Uint8Array(ID_BYTES + SECRET_BYTES);
  bytes.set(fromHex(id.toString()), 0);
  bytes.set(secret, ID_BYTES);
  const cookie = toBase64Url(bytes);
  const authTime = now();
  const view = { userId: user.id, userName: user.username, userEpoch: user.epoch, authTime, amr };
  const started = await env.SESSIONS.get(id).start({ ...view, secretHash: await sha256(toBase64Url(secret)), expiresAt: authTime + config.sessionLifetime * 1000 });
  if (!started) throw new Error("a new session object was already in use");
  return { cookie, session: { ...view, sessionId: id.toString() } };
}

/**
 * A successful login: the same user logging in again in this browser keeps the session (its
 * login time moves); another user's login ends the previous session, as signing out would, and
 * starts a new one. Returns the session and the cookie to set (null when it is unchanged).
 */
export async function logIn(env: Env, config: Config, user: User, amr: string[], cookie: string | undefined): Promise<{ cookie: string | null; session: SessionView }> {
  const parts = cookie ? parseCookie(cookie) : null;
  const object = parts ? sessionObject(env, parts.objectId) : null;
  if (parts && object) {
    const secretHash = await sha256(parts.secret);
    const current = await object.check(secretHash);
    if (current && current.userId === user.id) {
      const renewed = await object.reauthenticate(secretHash, { userEpoch: user.epoch, authTime: now(), amr });
      if (renewed) return { cookie: null, session: renewed };
    }
    if (current) await object.end(secretHash);
  }
  return startSession(env, config, user, amr);
}

/** The live session of a cookie, or null: unknown, ended, expired, or its user changed since. */
export async function findSession(env: Env, config: Config, cookie: string | undefined): Promise<SessionView | null> {
  const parts = cookie ? parseCookie(cookie) : null;
  const object = parts ? sessionObject(env, parts.objectId) : null;
  if (!parts || !object) return null;
  const session = await object.check(await sha256(parts.secret));
  if (!session) return null;
  const valid = await isStillValid(env, config, { id: session.userId, username: session.userName, epoch: session.userEpoch });
  return valid ? session : null;
}

/** Ends the cookie's session, if it is one. */
export async function endSession(env: Env, cookie: string | undefined): Promise<boolean> {
  const parts = cookie ? parseCookie(cookie) : null;
  const object = parts ? sessionObject(env, parts.objectId) : null;
  return parts && object ? object.end(await sha256(parts.secret)) : false;
}
