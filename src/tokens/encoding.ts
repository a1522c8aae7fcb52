/**
 * Byte helpers shared by token, secret and client-id code. They run several times per token
 * request, so they use the runtime's native Uint8Array base64 and hex (ES2026), not string loops.
 */

const BASE64URL = { alphabet: "base64url", omitPadding: true } as const;

export function toBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64(BASE64URL);
}

/** Strict decoder: returns null for anything that is not canonical unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text, { alphabet: "base64url" });
  } catch {
    return null;
  }
  // The decoder also takes padding, white space and non-zero trailing bits: one value, one spelling.
  return bytes.toBase64(BASE64URL) === text ? bytes : null;
}

export function toHex(bytes: Uint8Array): string {
  return bytes.toHex();
}

/** Throws on anything but an even number of hex digits. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.fromHex(hex);
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
