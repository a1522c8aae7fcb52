import { strictUtf8 } from "../text/utf8";

/** The user-id and password of an HTTP Basic Authorization header (RFC 7617), or why not. */
export type BasicCredentials = { username: string; password: string };

export type BasicParse =
  | { kind: "absent" }
  | { kind: "malformed"; reason: string }
  | { kind: "basic"; credentials: BasicCredentials };

export function parseBasic(header: string | undefined): BasicParse {
  // An empty header carries no credentials: the same as none.
  if (header === undefined || header.trim() === "") return { kind: "absent" };
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (!match) return { kind: "malformed", reason: "Authorization header is not HTTP Basic" };
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Uint8Array.fromBase64(match[1]!));
  } catch {
    return { kind: "malformed", reason: "Basic credentials are not valid base64 of UTF-8" };
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) return { kind: "malformed", reason: "Basic credentials have no colon" };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === "" || password === "") {
    return { kind: "malformed", reason: "Basic credentials have an empty user-id or password" };
  }
  return { kind: "basic", credentials: { username, password } };
}
