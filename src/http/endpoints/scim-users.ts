import { valueOf } from "../../protocol/errors";
import { hashPassword } from "../../registry/password-hash";
import { registryObject } from "../../registry/lookup";
import type { UserChanges } from "../../registry/user-record";
import { ScimError } from "../../scim/errors";
import { parseUserInput, parseUserNameFilter, parseUserPatch } from "../../scim/user-input";
import { LIST_SCHEMA, scimUser } from "../../scim/user-resource";
import { readJsonBody } from "../body";
import type { AppContext } from "../context";

const MAX_PAGE = 100;
const MAX_START_INDEX = 2 ** 31;
const SCIM_JSON = { "Content-Type": "application/scim+json" };

/**
 * SCIM 2.0 Users (RFC 7643/7644 subset), administrator only: create, read, filter by userName,
 * PATCH password / active / name / emails, delete. Passwords are hashed here (PBKDF2) before they
 * reach the registry, and never returned.
 */
export async function createUser(c: AppContext): Promise<Response> {
  const { password, ...profile } = parseUserInput(await readScimJson(c));
  const user = valueOf(await registryObject(c.env).createUser({ ...profile, password: await hashPassword(password) }, c.var.config.admin ? [c.var.config.admin.username] : []));
  const body = scimUser(user, c.var.issuer);
  return c.json(body, 201, { ...SCIM_JSON, Location: body.meta.location });
}

export async function listUsers(c: AppContext): Promise<Response> {
  const filter = c.req.query("filter");
  // RFC 7644 §3.4.2.4: a startIndex below 1 means 1; a negative count means 0.
  const startIndex = Math.max(1, pagingNumber(c.req.query("startIndex"), 1));
  const count = Math.min(Math.max(0, pagingNumber(c.req.query("count"), MAX_PAGE)), MAX_PAGE);
  const registry = registryObject(c.env);
  let total: number;
  let users;
  if (filter !== undefined) {
    const found = await registry.findUserByName(parseUserNameFilter(filter));
    users = found && startIndex === 1 && count > 0 ? [found] : [];
    total = found ? 1 : 0;
  } else {
    ({ total, users } = await registry.listUsers(startIndex, count));
  }
  const Resources = users.map((user) => scimUser(user, c.var.issuer));
  return c.json({ schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: users.length, Resources }, 200, SCIM_JSON);
}

export async function readUser(c: AppContext): Promise<Response> {
  const user = valueOf(await registryObject(c.env).getUser(c.req.param("id")!));
  return c.json(scimUser(user, c.var.issuer), 200, SCIM_JSON);
}

export async function patchUser(c: AppContext): Promise<Response> {
  const { password, ...rest } = parseUserPatch(await readScimJson(c));
  const changes: UserChanges = { ...rest, ...(password !== undefined ? { password: await hashPassword(password) } : {}) };
  const user = valueOf(await registryObject(c.env).patchUser(c.req.param("id")!, changes));
  return c.json(scimUser(user, c.var.issuer), 200, SCIM_JSON);
}

export async function deleteUser(c: AppContext): Promise<Response> {
  valueOf(await registryObject(c.env).deleteUser(c.req.param("id")!));
  return c.body(null, 204);
}

/** An integer query parameter, clamped to what a page can mean (no 64-bit offsets reach SQLite). */
function pagingNumber(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value)) throw new ScimError(400, "startIndex and count must be integers", "invalidValue");
  return Math.min(Math.max(value, -1), MAX_START_INDEX);
}

function readScimJson(c: AppContext): Promise<unknown> {
  return readJsonBody(c, ["application/scim+json", "application/json"], (message) => new ScimError(400, message, "invalidSyntax"));
}
