import type { Env } from "../env";
import { invalidClient, invalidRequest } from "../protocol/errors";
import { isPublic, type ClientRecord } from "../registry/client-record";
import { findClient } from "../registry/lookup";
import { isVisibleAscii } from "../text/characters";
import { formDecode } from "../text/form-encoding";
import { digestsEqual, sha256 } from "../tokens/hash";
import { parseBasic } from "./basic";
import type { Parameters } from "./parameters";

/** `clientSecret` null: a public client naming itself by `client_id` alone (RFC 6749 §2.1, §3.2.1). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string | null;
}

/**
 * Reads the client's credentials from the Authorization header (client_secret_basic) or the body
 * (client_secret_post), or a public client's bare `client_id`. Both at once is invalid_request
 * (RFC 6749 §2.3); none, or a malformed header, is invalid_client.
 */
export function readClientCredentials(authorization: string | undefined, form: Parameters): ClientCredentials {
  const basic = parseBasic(authorization);
  const bodyId = form.get("client_id");
  const bodySecret = form.get("client_secret");
  if (basic.kind !== "absent") {
    if (bodySecret !== undefined) {
      throw invalidRequest("the client must not use more than one authentication method");
    }
    if (basic.kind === "malformed") throw invalidClient(`${basic.reason}.`);
    const clientId = formDecode(basic.credentials.username);
    const clientSecret = formDecode(basic.credentials.password);
    if (!clientId || !clientSecret) throw invalidClient("Basic credentials are not form-urlencoded.");
    if (bodyId !== undefined && bodyId !== clientId) {
      throw invalidRequest("client_id in the body differs from the authenticated client");
    }
    return { clientId, clientSecret };
  }
  if (bodyId === undefined || bodyId === "" || bodySecret === "") {
    throw invalidClient("Client authentication is required (client_secret_basic or client_secret_post).");
  }
  return { clientId: bodyId, clientSecret: bodySecret ?? null };
}

/**
 * Verifies the credentials against the registry; any mismatch is the same invalid_client. A
 * confidential client must present its secret; a public client must not present one.
 */
export async function authenticateClient(env: Env, tokenSecret: string, credentials: ClientCredentials): Promise<ClientRecord> {
  const { clientId, clientSecret } = credentials;
  if (!isVisibleAscii(clientId) || clientId.length > 256 || (clientSecret !== null && !isVisibleAscii(clientSecret))) {
    throw invalidClient();
  }
  if (clientSecret === null) {
    const client = await findClient(env, tokenSecret, clientId);
    if (!client || !isPublic(client)) throw invalidClient();
    return client;
  }
  const [client, presentedHash] = await Promise.all([findClient(env, tokenSecret, clientId), sha256(clientSecret)]);
  if (!client?.secret_hash || !digestsEqual(presentedHash, client.secret_hash)) throw invalidClient();
  return client;
}
