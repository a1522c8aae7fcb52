import { array, number, object, parseStored, string, versioned } from "../store/decode";

/** A registered OAuth application (confidential client), as the registry stores it. */
export interface ClientRecord {
  v: 1;
  client_id: string;
  client_name: string;
  grant_types: string[];
  /** Space-separated scopes the client may obtain; absent means any scope. */
  scope?: string;
  /** Per-client overrides of ACCESS_TOKEN_FORMAT, ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME. */
  access_token_format?: string;
  access_token_lifetime?: number; // seconds
  refresh_token_lifetime?: number; // seconds
  /** SHA-256 (base64url) of the client secret; the secret itself is shown once, at registration. */
  secret_hash: string;
  /** Raised when the secret is rotated: tokens issued under an older epoch are dead. */
  epoch: number;
  client_id_issued_at: number; // epoch seconds
}

/** What a client may ask for at registration (RFC 7591 §2), already validated. */
export type ClientMetadata = Omit<ClientRecord, "v" | "client_id" | "secret_hash" | "epoch" | "client_id_issued_at">;

const decodeClient = versioned(
  "client",
  1,
  object(
    { client_id: string, client_name: string, grant_types: array(string), secret_hash: string, epoch: number, client_id_issued_at: number },
    { scope: string, access_token_format: string, access_token_lifetime: number, refresh_token_lifetime: number },
  ),
);

/** A stored client record (registry SQLite row or its KV projection), checked. */
export function parseClientRecord(text: string): ClientRecord {
  return { ...parseStored("client", text, decodeClient), v: 1 };
}

/** The RFC 7591 §3.2.1 view of a client, never with its secret hash. */
export function clientInformation(client: ClientRecord): Record<string, unknown> {
  return {
    client_id: client.client_id,
    client_id_issued_at: client.client_id_issued_at,
    client_secret_expires_at: 0,
    client_name: client.client_name,
    grant_types: client.grant_types,
    ...(client.scope ? { scope: client.scope } : {}),
    ...(client.access_token_format ? { access_token_format: client.access_token_format } : {}),
    ...(client.access_token_lifetime ? { access_token_lifetime: client.access_token_lifetime } : {}),
    ...(client.refresh_token_lifetime ? { refresh_token_lifetime: client.refresh_token_lifetime } : {}),
    token_endpoint_auth_method: "client_secret_basic",
  };
}
