import type { ConsentObject } from "./browser/consent-object";
import type { GrantObject } from "./grant-object/grant-object";
import type { SessionObject } from "./browser/session-object";
import type { DpopProofObject } from "./proofs/dpop-proof-object";
import type { AdminThrottleObject } from "./registry/admin-throttle-object";
import type { SigningKeyObject } from "./keys/signing-key-object";
import type { LockoutObject } from "./registry/lockout-object";
import type { RegistryObject } from "./registry/registry-object";

/** Bindings and variables of the Worker, as declared in wrangler.toml (and secrets). */
export interface Env {
  GRANTS: DurableObjectNamespace<GrantObject>;
  REGISTRY: DurableObjectNamespace<RegistryObject>;
  SIGNING_KEYS: DurableObjectNamespace<SigningKeyObject>;
  LOCKOUTS: DurableObjectNamespace<LockoutObject>;
  SESSIONS: DurableObjectNamespace<SessionObject>;
  CONSENTS: DurableObjectNamespace<ConsentObject>;
  DPOP_PROOFS: DurableObjectNamespace<DpopProofObject>;
  ADMIN_THROTTLE: DurableObjectNamespace<AdminThrottleObject>;
  TOKEN_STATUS: KVNamespace;
  REGISTRY_CACHE: KVNamespace;
  RENEW_TOKEN_PER_REQUEST?: string;
  RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT?: string;
  ACCESS_TOKEN_LIFETIME?: string;
  REFRESH_TOKEN_LIFETIME?: string;
  ACCESS_TOKEN_FORMAT?: string;
  INTROSPECTION_CONSISTENCY?: string;
  ISSUER?: string;
  ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS?: string;
  ACCOUNT_LOCK_WINDOW?: string;
  ACCOUNT_LOCK_DURATION?: string;
  AUTHORIZATION_CODE_LIFETIME?: string;
  REFRESH_TOKEN_REUSE_INTERVAL?: string;
  REFRESH_TOKEN_MAX_LIFETIME?: string;
  SESSION_LIFETIME?: string;
  DPOP_NONCE_REQUIRED?: string;
  MAX_SCOPES_PER_REQUEST?: string;
  MAX_SCOPE_LENGTH?: string;
  MAX_KEYS_PER_CLIENT?: string;
  MAX_KEYS_PER_USER?: string;
  ADMIN_USERNAME?: string;
  ADMIN_PASSWORD?: string;
  TOKEN_SECRET?: string;
}
