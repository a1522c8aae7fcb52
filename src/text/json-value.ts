/**
 * Shape checks for parsed JSON request bodies (registration, SCIM): type guards, so a checked
 * value needs no cast afterwards.
 */

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
