import { signingKeyObject } from "../../keys/signing-key-cache";
import type { AppContext } from "../context";

const MAX_AGE_S = 60;

/** The cache entry of this origin's JWKS (one per data centre: the Cache API is local). */
export function jwksCacheKey(origin: string): Request {
  return new Request(`${origin}/oauth2/jwks`);
}

/**
 * GET /oauth2/jwks (RFC 7517): the public keys JWT access tokens and ID Tokens are signed with,
 * including retired keys whose tokens may still be in circulation. Served from the data centre's
 * cache (SPEC §14: an unauthenticated request must not reach the singleton key object every
 * time); a minute of caching keeps resource servers cheap while a rotation shows up quickly (the
 * rotation also drops this data centre's copy at once).
 */
export async function jwksEndpoint(c: AppContext): Promise<Response> {
  const key = jwksCacheKey(new URL(c.req.url).origin);
  const cached = await caches.default.match(key);
  if (cached) return cached;
  const keys = await signingKeyObject(c.env).publicKeys();
  const response = c.json({ keys }, 200, { "Cache-Control": `public, max-age=${MAX_AGE_S}` });
  c.executionCtx.waitUntil(caches.default.put(key, response.clone()));
  return response;
}
