/**
 * Strict UTF-8: invalid bytes throw instead of turning into U+FFFD, so malformed input is refused
 * (SPEC §7), never silently altered. One decoder for the isolate (it keeps no state between calls).
 */
export const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
