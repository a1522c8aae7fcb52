import type { Env } from "../env";
import { invalidClient, invalidRequest } from "../protocol/errors";
import type { ClientRecord } from "../registry/client-record";
import { findClient } from "../registry/lookup";
import { isVisibleAscii } from "../text/characters";
import { formDecode } from "../text/form-encoding";
import { digestsEqual, sha256 } from "../tokens/hash";
import { parseBasic } from "./basic";
import type { Parameters } from "./parameters";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Reads the client's credentials from the Authorization header (client_secret_basic) or the body
 * (client_secret_post). Both at once is invalid_request (RFC 6749 §2.3); none, or a malformed
 * header, is invalid_client.
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
  if (bodyId === undefined || bodyId === "" || bodySecret === undefined || bodySecret === "") {
    throw invalidClient("Client authentication is required (client_secret_basic or client_secret_post).");
  }
  return { clientId: bodyId, clientSecret: bodySecret };
}

/** Verifies the credentials against the registry; any mismatch is the same invalid_client. */
export async function authenticateClient(env: Env, credentials: ClientCredentials): Promise<ClientRecord> {
  const { clientId, clientSecret } = credentials;
  if (!isVisibleAscii(clientId) || !isVisibleAscii(clientSecret) || clientId.length > 256) {
    throw invalidClient();
  }
  const [client, presentedHash] = await Promise.all([findClient(env, clientId), sha256(clientSecret)]);
  if (!client || !digestsEqual(presentedHash, client.secret_hash)) throw invalidClient();
  return client;
}
