/**
 * Checked decoding of stored records (SQLite rows, KV values): every record type has one decoder
 * built from these parts, so a record of another shape or version is a clear error naming the
 * field, never a silent `undefined`. Records carry `v`; a record written before versioning (no
 * `v`) is read as version 1.
 */
export class StoredRecordError extends Error {
  constructor(record: string, detail: string) {
    super(`stored ${record} record is malformed: ${detail}`);
    this.name = "StoredRecordError";
  }
}

export type Decoder<T> = (value: unknown, path: string) => T;

const fail = (path: string, expected: string): never => {
  throw new StoredRecordError(path.split(".")[0]!, `${path} is not ${expected}`);
};

export const string: Decoder<string> = (value, path) => (typeof value === "string" ? value : fail(path, "a string"));
export const number: Decoder<number> = (value, path) => (typeof value === "number" && Number.isFinite(value) ? value : fail(path, "a number"));
export const boolean: Decoder<boolean> = (value, path) => (typeof value === "boolean" ? value : fail(path, "a boolean"));

export function literal<T extends string | number>(...allowed: T[]): Decoder<T> {
  return (value, path) => (allowed.includes(value as T) ? (value as T) : fail(path, `one of ${allowed.join(", ")}`));
}

export function array<T>(item: Decoder<T>): Decoder<T[]> {
  return (value, path) => (Array.isArray(value) ? value.map((entry, i) => item(entry, `${path}[${i}]`)) : fail(path, "an array"));
}

export function record<T>(item: Decoder<T>): Decoder<Record<string, T>> {
  return (value, path) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(path, "an object");
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, `${path}.${k}`)]));
  };
}

type Fields = Record<string, Decoder<unknown>>;
type Shape<R extends Fields, O extends Fields> = { [K in keyof R]: ReturnType<R[K]> } & { [K in keyof O]?: ReturnType<O[K]> };

/** An object with `required` and `optional` fields; other fields are dropped. */
export function object<R extends Fields, O extends Fields = {}>(required: R, optional?: O): Decoder<Shape<R, O>> {
  return (value, path) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(path, "an object");
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, decode] of Object.entries(required)) out[name] = decode(source[name], `${path}.${name}`);
    for (const [name, decode] of Object.entries(optional ?? {})) {
      if (source[name] !== undefined && source[name] !== null) out[name] = decode(source[name], `${path}.${name}`);
    }
    return out as Shape<R, O>;
  };
}

/**
 * A versioned record's decoder: checks `v` (absent = 1) against `version` and decodes the rest.
 * `name` names the record in errors.
 */
export function versioned<T>(name: string, version: number, decode: Decoder<T>): (value: unknown) => T & { v: number } {
  return (value) => {
    const v = typeof value === "object" && value !== null ? ((value as { v?: unknown }).v ?? 1) : undefined;
    if (v !== version) throw new StoredRecordError(name, `version ${String(v)} is not ${version}`);
    return { ...decode(value, name), v: version };
  };
}

/** JSON text of a stored record, decoded; a parse failure is the same clear error. */
export function parseStored<T>(name: string, text: string, decode: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoredRecordError(name, "not JSON");
  }
  return decode(value);
}
