// ES2026 Uint8Array base64/hex (workerd's V8 has them; TypeScript 5.9's libs do not yet).
interface Uint8Array {
  toBase64(options?: { alphabet?: "base64" | "base64url"; omitPadding?: boolean }): string;
  toHex(): string;
}

interface Uint8ArrayConstructor {
  fromBase64(text: string, options?: { alphabet?: "base64" | "base64url"; lastChunkHandling?: "loose" | "strict" | "stop-before-partial" }): Uint8Array;
  fromHex(text: string): Uint8Array;
}
