import type { Config } from "../config/config";
import type { Env } from "../env";
import { findUserCredentials } from "../registry/lookup";
import type { UserCredentials } from "../registry/user-record";

/** The claims each scope releases (OIDC Core §5.4); `sub` is always released. */
export const SCOPE_CLAIMS: Record<string, readonly string[]> = {
  profile: ["name", "given_name", "family_name", "preferred_username"],
  email: ["email", "email_verified"],
};

export const CLAIMS_SUPPORTED = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", ...SCOPE_CLAIMS.profile!, ...SCOPE_CLAIMS.email!];

/**
 * The user claims (OIDC Core §5.1) a token's scopes release, from the user's SCIM record:
 * `name`, `given_name`, `family_name` from `name`; `email` from the primary e-mail (else the
 * first). `email_verified` is false: this server never verifies an address. The administrator,
 * who is no SCIM user, has only `preferred_username`.
 */
export async function userClaims(env: Env, config: Config, user: { subject: string; userName: string }, scopes: readonly string[]): Promise<Record<string, unknown>> {
  const wanted = new Set(scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []));
  if (wanted.size === 0) return {};
  const admin = config.admin;
  const isAdmin = admin !== null && user.subject === admin.username && user.userName.toLowerCase() === admin.username.toLowerCase();
  const record = isAdmin ? null : await findUserCredentials(env, user.userName);
  const known = record && record.id === user.subject ? profileOf(record) : { preferred_username: user.userName };
  return Object.fromEntries(Object.entries(known).filter(([claim]) => wanted.has(claim)));
}

function profileOf(user: UserCredentials): Record<string, unknown> {
  const email = user.emails?.find((entry) => entry.primary) ?? user.emails?.[0];
  const name = user.name?.formatted ?? ([user.name?.givenName, user.name?.familyName].filter(Boolean).join(" ") || undefined);
  return {
    preferred_username: user.userName,
    ...(name ? { name } : {}),
    ...(user.name?.givenName ? { given_name: user.name.givenName } : {}),
    ...(user.name?.familyName ? { family_name: user.name.familyName } : {}),
    ...(email ? { email: email.value, email_verified: false } : {}),
  };
}
