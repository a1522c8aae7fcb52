import { createApp } from "./http/app";

export { GrantObject } from "./grant-object/grant-object";
export { RegistryObject } from "./registry/registry-object";
export { SigningKeyObject } from "./keys/signing-key-object";
export { LockoutObject } from "./registry/lockout-object";
export { SessionObject } from "./browser/session-object";
export { ConsentObject } from "./browser/consent-object";
export { DpopProofObject } from "./proofs/dpop-proof-object";
export { AdminThrottleObject } from "./registry/admin-throttle-object";

/** Worker entry: every HTTPS call goes through the Hono app. */
export default createApp();
