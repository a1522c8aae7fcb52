import { forgetSigningKey, SIGNING_KEY_CACHE_MS, signingKeyObject } from "../../keys/signing-key-cache";
import { registryObject } from "../../registry/lookup";
import type { AppContext } from "../context";
import { jwksCacheKey } from "./jwks";

/** Margin for clock differences between isolates on top of the computed publication time. */
const SAFETY_MS = 60_000;

/**
 * POST /api/signing-keys/rotate (administrator): a new key signs from now on; the previous one
 * stays in the JWKS until every token it can have signed has expired: the longest access token
 * lifetime in force (server default or any client's override), plus the time other isolates may
 * still sign with their cached copy of it.
 */
export async function rotateSigningKeyEndpoint(c: AppContext): Promise<Response> {
  const clientMax = await registryObject(c.env).maxAccessTokenLifetime();
  const longestLifetimeMs = Math.max(c.var.config.accessTokenLifetime, clientMax ?? 0) * 1000;
  const rotation = await signingKeyObject(c.env).rotate(longestLifetimeMs + SIGNING_KEY_CACHE_MS + SAFETY_MS);
  forgetSigningKey();
  await caches.default.delete(jwksCacheKey(new URL(c.req.url).origin));
  return c.json(rotation);
}
