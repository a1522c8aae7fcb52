/**
 * Character classes of the protocols, in one place so every check agrees (C0, DEL and C1 are
 * control characters everywhere).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** RFC 6749 Appendix A VSCHAR (with space): printable ASCII, for ids, secrets and tokens. */
export function isVisibleAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

/** For usernames, passwords, names: RFC 6749 UNICODECHARNOCRLF minus the other controls. */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** A client-supplied value safe to echo in an error description, or a placeholder. */
export function printable(value: string, max = 64): string {
  return value.length >= 1 && value.length <= max && /^[\x21-\x7e]+$/.test(value) ? `"${value}"` : "(unprintable)";
}
