import { invalidValue, ScimError } from "../http/scim-error";
import { isStorableUserName, MAX_USER_NAME_BYTES, type UserRecord } from "./user";

/** A validated SCIM User creation (RFC 7643 §4.1), password still in clear for hashing. */
export interface UserInput {
  userName: string;
  password: string;
  name?: Record<string, string>;
  emails?: UserRecord["emails"];
  active: boolean;
}

/** A validated PATCH: what to set; the password in clear for hashing. */
export interface UserPatch {
  password?: string;
  active?: boolean;
  name?: Record<string, string> | undefined;
  emails?: UserRecord["emails"] | undefined;
}

const MAX_LENGTH = 256;
const NAME_PARTS = ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"];
const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown, attribute: string, max = MAX_LENGTH): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
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
  if (typeof value !== "string" || value.length === 0 || value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidValue("password must be a non-empty string of at most 1024 characters without control characters");
  }
  return value;
}

function active(value: unknown): boolean {
  if (typeof value !== "boolean") throw invalidValue("active must be true or false");
  return value;
}

function name(value: unknown): Record<string, string> {
  if (!isObject(value)) throw invalidValue("name must be an object");
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
    if (!isObject(entry)) throw invalidValue("each email must be an object with a value");
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
  if (!isObject(body)) throw new ScimError(400, "the request body must be a JSON object", "invalidSyntax");
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
  if (!isObject(body) || !Array.isArray(body.Operations) || body.Operations.length === 0) {
    throw new ScimError(400, "the body must be a PatchOp with a non-empty Operations array", "invalidSyntax");
  }
  if (Array.isArray(body.schemas) && !body.schemas.includes(PATCH_SCHEMA)) {
    throw new ScimError(400, `schemas must contain ${PATCH_SCHEMA}`, "invalidSyntax");
  }
  const patch: UserPatch = {};
  for (const operation of body.Operations) {
    if (!isObject(operation) || typeof operation.op !== "string") throw new ScimError(400, "each operation needs an op", "invalidSyntax");
    const op = operation.op.toLowerCase();
    if (op !== "replace" && op !== "add" && op !== "remove") throw new ScimError(400, `unknown op "${operation.op.slice(0, 20)}"`, "invalidSyntax");
    const path = operation.path;
    if (path !== undefined && typeof path !== "string") throw new ScimError(400, "path must be a string", "invalidPath");
    if (op === "remove") {
      applyRemove(patch, path);
    } else if (path === undefined) {
      if (!isObject(operation.value)) throw invalidValue("an operation without a path needs an object value");
      for (const [attribute, value] of Object.entries(operation.value)) applySet(patch, attribute, value);
    } else {
      applySet(patch, path, operation.value);
    }
  }
  return patch;
}

function applySet(patch: UserPatch, path: string, value: unknown): void {
  const [attribute, sub] = path.split(".");
  switch (attribute) {
    case "password":
      patch.password = password(value);
      return;
    case "active":
      patch.active = active(value);
      return;
    case "name":
      patch.name = sub ? { ...(patch.name ?? {}), ...name({ [sub]: value }) } : name(value);
      return;
    case "emails":
      patch.emails = emails(value);
      return;
    case "userName":
    case "id":
    case "meta":
    case "schemas":
      throw new ScimError(400, `${attribute} cannot be changed`, "mutability");
    default:
      throw new ScimError(400, `unsupported path "${path.slice(0, 40)}"`, "invalidPath");
  }
}

function applyRemove(patch: UserPatch, path: unknown): void {
  if (path === "name") patch.name = undefined;
  else if (path === "emails") patch.emails = undefined;
  else throw new ScimError(400, "only name and emails can be removed", path === undefined ? "noTarget" : "mutability");
}

/** The only filter supported: `userName eq "value"` (RFC 7644 §3.4.2.2). */
export function parseUserNameFilter(filter: string): string {
  const match = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) throw new ScimError(400, 'only the filter userName eq "value" is supported', "invalidFilter");
  return match[1]!.replace(/\\(.)/g, "$1");
}
