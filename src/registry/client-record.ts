import { array, boolean, literal, number, object, parseStored, string, versioned } from "../store/decode";

/** A registered OAuth application (confidential client), as the registry stores it. */
export interface ClientRecord {
  v: 1;
  client_id: string;
  client_name: string;
  grant_types: string[];
  /** RFC 7591 §2: how the client authenticates at the token endpoint; "none" is a public client. */
  token_endpoint_auth_method: "client_secret_basic" | "client_secret_post" | "none";
  /** Where the authorization endpoint may send the browser back (authorization_code). */
  redirect_uris?: string[];
  /** OIDC RP-Initiated Logout: where /oidc/logout may send the browser afterwards. */
  post_logout_redirect_uris?: string[];
  /** A first-party app: the consent page is never shown (WSO2's "skip consent"). */
  skip_consent?: boolean;
  /** RFC 9449 §5.2: the client always uses DPoP; a token request without a proof is refused. */
  dpop_bound_access_tokens?: boolean;
  /** Space-separated scopes the client may obtain; absent means any scope. */
  scope?: string;
  /** Per-client overrides of ACCESS_TOKEN_FORMAT, ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME. */
  access_token_format?: string;
  access_token_lifetime?: number; // seconds
  refresh_token_lifetime?: number; // seconds
  /**
   * SHA-256 (base64url) of the client secret; the secret itself is shown once, at registration.
   * Absent for a public client.
   */
  secret_hash?: string;
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
    { client_id: string, client_name: string, grant_types: array(string), epoch: number, client_id_issued_at: number },
    {
      secret_hash: string,
      token_endpoint_auth_method: literal("client_secret_basic", "client_secret_post", "none"),
      redirect_uris: array(string),
      post_logout_redirect_uris: array(string),
      skip_consent: boolean,
      dpop_bound_access_tokens: boolean,
      scope: string,
      access_token_format: string,
      access_token_lifetime: number,
      refresh_token_lifetime: number,
    },
  ),
);

/** A stored client record (registry SQLite row or its KV projection), checked. */
export function parseClientRecord(text: string): ClientRecord {
  const { token_endpoint_auth_method, ...client } = parseStored("client", text, decodeClient);
  // Records from before public clients existed were all client_secret_basic.
  return { ...client, token_endpoint_auth_method: token_endpoint_auth_method ?? "client_secret_basic", v: 1 };
}

/** A public client (RFC 6749 §2.1) has no secret and authenticates with its client_id alone. */
export const isPublic = (client: ClientRecord): boolean => client.token_endpoint_auth_method === "none";

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
    ...(client.redirect_uris ? { redirect_uris: client.redirect_uris } : {}),
    ...(client.post_logout_redirect_uris ? { post_logout_redirect_uris: client.post_logout_redirect_uris } : {}),
    ...(client.skip_consent ? { skip_consent: true } : {}),
    ...(client.dpop_bound_access_tokens ? { dpop_bound_access_tokens: true } : {}),
    token_endpoint_auth_method: client.token_endpoint_auth_method,
  };
}
