import type { Env } from "../env";

/** SPEC §3, parsed once per environment object. Lifetimes are in seconds. */
export interface Config {
  renewTokenPerRequest: boolean;
  renewRefreshTokenForRefreshGrant: boolean;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  accessTokenFormat: "opaque" | "jwt";
  introspectionConsistency: "eventual" | "strong";
  issuer: string | undefined;
  /**
   * The super administrator; null on a deployed Worker whose ADMIN_* secrets are not set: the
   * admin plane then answers that they are missing, and tokens are still served.
   */
  admin: { username: string; password: string } | null;
  /** The secret grant objects' token keys derive from (see oauth/token-key.ts). */
  tokenSecret: string;
  lockout: { maxFailedAttempts: number; windowMs: number; durationMs: number };
  /** SPEC §12: seconds a just-rotated refresh token still gets the same new pair (0: never). */
  refreshTokenReuseInterval: number;
  /** SPEC §12: seconds from a grant's first token after which rotation stops; null: no cap. */
  refreshTokenMaxLifetime: number | null;
  /** SPEC §14: MAX_SCOPES_PER_REQUEST, MAX_SCOPE_LENGTH. */
  scopeLimits: { maxScopes: number; maxLength: number };
  /** SPEC §14: MAX_KEYS_PER_CLIENT, MAX_KEYS_PER_USER (grant objects, i.e. scope combinations). */
  keyLimits: { perClient: number; perUser: number };
  /** SPEC §13: DPoP proofs must carry a server-issued nonce (RFC 9449 §8). */
  dpopNonceRequired: boolean;
  /** SPEC §10: how long an authorization code can be redeemed. */
  authorizationCodeLifetime: number;
  /** How long a browser session (the login page's SSO) lasts after the login. */
  sessionLifetime: number;
}

/** A misconfigured variable; the message names it so the operator can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable} ${detail}`);
    this.name = "ConfigError";
  }
}

export const MAX_LIFETIME = 10 * 365 * 24 * 3600;

function bool(env: Env, name: keyof Env, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (typeof raw !== "string") throw new ConfigError(name, "must be a string");
  const value = raw.trim().toLowerCase();
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(name, `must be "true" or "false", got ${JSON.stringify(raw)}`);
}

/** A whole number from 1 to MAX_LIFETIME (seconds, or a count). */
function wholeNumber(env: Env, name: keyof Env, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw.trim());
  if (value < min || value > MAX_LIFETIME) {
    throw new ConfigError(name, `must be between ${min} and ${MAX_LIFETIME}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: keyof Env, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  const match = allowed.find((candidate) => candidate === value);
  if (!match) {
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
  }
  return match;
}

function issuer(env: Env): string | undefined {
  const raw = env.ISSUER;
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("ISSUER", `must be an absolute https URL, got ${JSON.stringify(raw)}`);
  }
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if ((url.protocol !== "https:" && !(local && url.protocol === "http:")) || url.search || url.hash) {
    throw new ConfigError("ISSUER", "must be an https URL without query or fragment (RFC 8414 §2)");
  }
  return raw.replace(/\/$/, "");
}

/**
 * Local development defaults of the secrets, used only when a secret is unset and the request
 * came to a loopback host (wrangler dev on a fresh clone): never on a deployed Worker, which is
 * reached at its public hostname only.
 */
export const LOCAL_SECRETS = {
  ADMIN_USERNAME: "admin",
  ADMIN_PASSWORD: "admin",
  TOKEN_SECRET: "local-development-only-token-secret-0123456789",
} as const;

const MIN_TOKEN_SECRET_LENGTH = 32;

function secret(env: Env, name: keyof typeof LOCAL_SECRETS, local: boolean): string {
  const value = env[name];
  if ((value === undefined || value === "") && local) return LOCAL_SECRETS[name];
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(
      name,
      `is not set: run \`npx wrangler secret put ${name}\` (local development reads .dev.vars)`,
    );
  }
  return value;
}

/** Both ADMIN_* secrets, or neither (null, off loopback); only one of them is a misconfiguration. */
function administrator(env: Env, local: boolean): Config["admin"] {
  const unset = (name: "ADMIN_USERNAME" | "ADMIN_PASSWORD") => env[name] === undefined || env[name] === "";
  if (!local && unset("ADMIN_USERNAME") && unset("ADMIN_PASSWORD")) return null;
  return { username: secret(env, "ADMIN_USERNAME", local), password: secret(env, "ADMIN_PASSWORD", local) };
}

/** The administrator, or the error that names the missing secrets (for the admin plane). */
export function requireAdminConfig(config: Config): { username: string; password: string } {
  if (!config.admin) throw new ConfigError("ADMIN_USERNAME", "is not set: run `npx wrangler secret put ADMIN_USERNAME` and `ADMIN_PASSWORD`");
  return config.admin;
}

export function parseConfig(env: Env, local = false): Config {
  const tokenSecret = secret(env, "TOKEN_SECRET", local);
  if (tokenSecret.length < MIN_TOKEN_SECRET_LENGTH) {
    throw new ConfigError("TOKEN_SECRET", `must be at least ${MIN_TOKEN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`);
  }
  return {
    // The shipped wrangler.toml turns renewal on; unset means WSO2's default, off.
    renewTokenPerRequest: bool(env, "RENEW_TOKEN_PER_REQUEST", false),
    renewRefreshTokenForRefreshGrant: bool(env, "RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT", true),
    accessTokenLifetime: wholeNumber(env, "ACCESS_TOKEN_LIFETIME", 3600),
    refreshTokenLifetime: wholeNumber(env, "REFRESH_TOKEN_LIFETIME", 86400),
    accessTokenFormat: oneOf(env, "ACCESS_TOKEN_FORMAT", ["opaque", "jwt"] as const, "opaque"),
    introspectionConsistency: oneOf(
      env,
      "INTROSPECTION_CONSISTENCY",
      ["eventual", "strong"] as const,
      "eventual",
    ),
    issuer: issuer(env),
    admin: administrator(env, local),
    tokenSecret,
    // WSO2's account-lock handler: 5 failures within 15 minutes lock for 15 minutes.
    lockout: {
      maxFailedAttempts: wholeNumber(env, "ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS", 5),
      windowMs: wholeNumber(env, "ACCOUNT_LOCK_WINDOW", 900) * 1000,
      durationMs: wholeNumber(env, "ACCOUNT_LOCK_DURATION", 900) * 1000,
    },
    refreshTokenReuseInterval: wholeNumber(env, "REFRESH_TOKEN_REUSE_INTERVAL", 0, 0),
    refreshTokenMaxLifetime: env.REFRESH_TOKEN_MAX_LIFETIME ? wholeNumber(env, "REFRESH_TOKEN_MAX_LIFETIME", 0) : null,
    dpopNonceRequired: bool(env, "DPOP_NONCE_REQUIRED", false),
    keyLimits: { perClient: wholeNumber(env, "MAX_KEYS_PER_CLIENT", 100_000), perUser: wholeNumber(env, "MAX_KEYS_PER_USER", 1_000) },
    scopeLimits: { maxScopes: wholeNumber(env, "MAX_SCOPES_PER_REQUEST", 32), maxLength: wholeNumber(env, "MAX_SCOPE_LENGTH", 128) },
    // WSO2's default authorization code validity is 300 s; RFC 6749 §4.1.2 recommends at most 10 min.
    authorizationCodeLifetime: wholeNumber(env, "AUTHORIZATION_CODE_LIFETIME", 300),
    // WSO2 keeps an SSO session for 15 minutes of inactivity; this one lasts 8 hours from the login.
    sessionLifetime: wholeNumber(env, "SESSION_LIFETIME", 8 * 3600),
  };
}

const parsed = new WeakMap<Env, Map<boolean, Config>>();

/**
 * The configuration of this environment, parsed on first use and kept for the isolate's life.
 * `local`: the request came to a loopback host, so unset secrets take their local defaults.
 */
export function configOf(env: Env, local = false): Config {
  let byLocality = parsed.get(env);
  if (!byLocality) parsed.set(env, (byLocality = new Map()));
  let config = byLocality.get(local);
  if (!config) {
    config = parseConfig(env, local);
    byLocality.set(local, config);
  }
  return config;
}
