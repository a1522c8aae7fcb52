import { signingKeyObject } from "../../keys/signing-key-cache";
import type { AppContext } from "../context";

/**
 * GET /oauth2/jwks (RFC 7517): the public keys JWT access tokens are signed with, including
 * retired keys whose tokens may still be in circulation. A minute of caching keeps resource
 * servers cheap while a rotation shows up quickly.
 */
export async function jwksEndpoint(c: AppContext): Promise<Response> {
  const keys = await signingKeyObject(c.env).publicKeys();
  return c.json({ keys }, 200, { "Cache-Control": "public, max-age=60" });
}
