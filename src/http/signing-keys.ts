import type { Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { forgetSigningKey, SIGNING_KEY_CACHE_MS, signingKeyObject } from "../keys/signing-key-cache";
import { requireAdministrator } from "../oauth/caller-auth";
import { registryObject } from "../store/registry-cache";

/** Margin for clock differences between isolates on top of the computed publication time. */
const SAFETY_MS = 60_000;

/**
 * POST /api/signing-keys/rotate (administrator): a new key signs from now on; the previous one
 * stays in the JWKS until every token it can have signed has expired: the longest access token
 * lifetime in force (server default or any client's override), plus the time other isolates may
 * still sign with their cached copy of it.
 */
export async function rotateSigningKeyEndpoint(c: Context<{ Bindings: Env }>): Promise<Response> {
  const config = configOf(c.env);
  await requireAdministrator(config, c.req.header("Authorization"));
  const clientMax = await registryObject(c.env).maxAccessTokenLifetime();
  const longestLifetimeMs = Math.max(config.accessTokenLifetime, clientMax ?? 0) * 1000;
  const rotation = await signingKeyObject(c.env).rotate(longestLifetimeMs + SIGNING_KEY_CACHE_MS + SAFETY_MS);
  forgetSigningKey();
  return c.json(rotation, 200, { "Cache-Control": "no-store" });
}
