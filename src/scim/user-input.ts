import { isStorableUserName, MAX_USER_NAME_BYTES, type NewUser, type UserChanges, type UserRecord } from "../registry/user-record";
import { hasControlCharacters } from "../text/characters";
import { isJsonObject } from "../text/json-value";
import { invalidValue, ScimError } from "./errors";

/** A validated SCIM User creation (RFC 7643 §4.1): the registry's NewUser, password still in clear for hashing. */
export type UserInput = Omit<NewUser, "password"> & { password: string };

/** A validated PATCH: the registry's UserChanges, the password in clear for hashing. */
export type UserPatch = Omit<UserChanges, "password"> & { password?: string };

const MAX_LENGTH = 256;
const NAME_PARTS = ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"];
const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

function text(value: unknown, attribute: string, max = MAX_LENGTH): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max || hasControlCharacters(value)) {
    throw invalidValue(`${attribute} must be a non-empty string of at most ${max} characters without control characters`);
  }
  return value;
}

function userName(value: unknown): string {
  const name = text(value, "userName");
  if (!isStorableUserName(name)) throw invalidValue(`userName must be at most ${MAX_USER_NAME_BYTES} bytes of UTF-8`);
  return name;
}

function password(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024 || hasControlCharacters(value)) {
    throw invalidValue("password must be a non-empty string of at most 1024 characters without control characters");
  }
  return value;
}

function active(value: unknown): boolean {
  if (typeof value !== "boolean") throw invalidValue("active must be true or false");
  return value;
}

function name(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) throw invalidValue("name must be an object");
  const result: Record<string, string> = {};
  for (const [part, partValue] of Object.entries(value)) {
    if (!NAME_PARTS.includes(part)) throw invalidValue(`name.${part.slice(0, 40)} is not a SCIM name attribute`);
    result[part] = text(partValue, `name.${part}`);
  }
  return result;
}

function emails(value: unknown): NonNullable<UserRecord["emails"]> {
  if (!Array.isArray(value) || value.length > 20) throw invalidValue("emails must be an array of at most 20 entries");
  return value.map((entry) => {
    if (!isJsonObject(entry)) throw invalidValue("each email must be an object with a value");
    const email = text(entry.value, "emails.value");
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw invalidValue("emails.value must be an e-mail address");
    return {
      value: email,
      ...(entry.type !== undefined ? { type: text(entry.type, "emails.type", 32) } : {}),
      ...(entry.primary !== undefined ? { primary: active(entry.primary) } : {}),
    };
  });
}

export function parseUserInput(body: unknown): UserInput {
  if (!isJsonObject(body)) throw new ScimError(400, "the request body must be a JSON object", "invalidSyntax");
  return {
    userName: userName(body.userName),
    password: password(body.password),
    ...(body.name !== undefined ? { name: name(body.name) } : {}),
    ...(body.emails !== undefined ? { emails: emails(body.emails) } : {}),
    active: body.active === undefined ? true : active(body.active),
  };
}

/** RFC 7644 §3.5.2 PatchOp, for the attributes this server lets change. */
export function parseUserPatch(body: unknown): UserPatch {
  if (!isJsonObject(body) || !Array.isArray(body.Operations) || body.Operations.length === 0) {
    throw new ScimError(400, "the body must be a PatchOp with a non-empty Operations array", "invalidSyntax");
  }
  if (body.schemas !== undefined && (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_SCHEMA))) {
    throw new ScimError(400, `schemas must be an array containing ${PATCH_SCHEMA}`, "invalidSyntax");
  }
  const patch: UserPatch = {};
  for (const operation of body.Operations) {
    if (!isJsonObject(operation) || typeof operation.op !== "string") throw new ScimError(400, "each operation needs an op", "invalidSyntax");
    const op = operation.op.toLowerCase();
    if (op !== "replace" && op !== "add" && op !== "remove") throw new ScimError(400, `unknown op "${operation.op.slice(0, 20)}"`, "invalidSyntax");
    if (operation.path !== undefined && typeof operation.path !== "string") throw new ScimError(400, "path must be a string", "invalidPath");
    if (op === "remove") {
      if (operation.path === undefined) throw new ScimError(400, "remove needs a path", "noTarget");
      applyRemove(patch, parsePath(operation.path));
    } else if (operation.path === undefined) {
      if (!isJsonObject(operation.value)) throw invalidValue("an operation without a path needs an object value");
      for (const [attribute, value] of Object.entries(operation.value)) applySet(patch, parsePath(attribute), value);
    } else {
      applySet(patch, parsePath(operation.path), operation.value);
    }
  }
  return patch;
}

interface AttributePath {
  attribute: string; // lower-cased
  sub?: string; // canonical spelling, e.g. "givenName"
  raw: string;
}

const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:user:";

/** Attribute names are case-insensitive and may carry the User schema URN (RFC 7643 §2.1, RFC 7644 §3.10). */
function parsePath(raw: string): AttributePath {
  let path = raw.trim();
  if (path.toLowerCase().startsWith(USER_URN)) path = path.slice(USER_URN.length);
  const parts = path.split(".");
  if (parts.length > 2 || parts.some((part) => part === "")) throw new ScimError(400, `unsupported path "${raw.slice(0, 40)}"`, "invalidPath");
  const attribute = parts[0]!.toLowerCase();
  if (parts.length === 1) return { attribute, raw };
  const sub = NAME_PARTS.find((part) => part.toLowerCase() === parts[1]!.toLowerCase());
  if (attribute !== "name" || !sub) throw new ScimError(400, `unsupported path "${raw.slice(0, 40)}"`, "invalidPath");
  return { attribute, sub, raw };
}

function applySet(patch: UserPatch, path: AttributePath, value: unknown): void {
  switch (path.attribute) {
    case "password":
      patch.password = password(value);
      return;
    case "active":
      patch.active = active(value);
      return;
    case "name":
      if (path.sub === undefined) {
        patch.name = name(value);
        delete patch.nameParts;
      } else if (patch.name) {
        patch.name = { ...patch.name, ...name({ [path.sub]: value }) };
      } else {
        patch.nameParts = { ...patch.nameParts, ...name({ [path.sub]: value }) };
      }
      return;
    case "emails":
      patch.emails = emails(value);
      return;
    case "username":
    case "id":
    case "meta":
    case "schemas":
      throw new ScimError(400, `${path.raw.slice(0, 40)} cannot be changed`, "mutability");
    default:
      throw new ScimError(400, `unsupported path "${path.raw.slice(0, 40)}"`, "invalidPath");
  }
}

function applyRemove(patch: UserPatch, path: AttributePath): void {
  if (path.attribute === "name" && path.sub === undefined) {
    patch.name = null;
    delete patch.nameParts;
  } else if (path.attribute === "emails") {
    patch.emails = null;
  } else {
    throw new ScimError(400, "only name and emails can be removed", "mutability");
  }
}

/** The only filter supported: `userName eq "value"` (RFC 7644 §3.4.2.2). */
export function parseUserNameFilter(filter: string): string {
  const match = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) throw new ScimError(400, 'only the filter userName eq "value" is supported', "invalidFilter");
  return match[1]!.replace(/\\(.)/g, "$1");
}
