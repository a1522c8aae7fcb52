import { Hono, type Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { requireAdministrator } from "../oauth/caller-auth";
import { hashPassword } from "../registry/password-hash";
import type { UserChanges } from "../registry/registry-object";
import { parseUserInput, parseUserNameFilter, parseUserPatch } from "../registry/scim-input";
import { scimUser } from "../registry/user";
import { registryObject } from "../store/registry-cache";
import { issuerOf } from "./issuer";
import { readJsonBody } from "./body";
import { errorResponse } from "./respond";
import { ScimError } from "./scim-error";

type AppContext = Context<{ Bindings: Env }>;
const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const MAX_PAGE = 100;
const MAX_START_INDEX = 2 ** 31;
const SCIM_JSON = { "Content-Type": "application/scim+json", "Cache-Control": "no-store" };

/**
 * SCIM 2.0 Users (RFC 7643/7644 subset), administrator only: create, read, filter by userName,
 * PATCH password / active / name / emails, delete. Passwords are hashed here (PBKDF2) before they
 * reach the registry, and never returned.
 */
export const scimUsers = new Hono<{ Bindings: Env }>();

scimUsers.onError((error) => errorResponse(error, "scim"));

scimUsers.use(async (c, next) => {
  await requireAdministrator(configOf(c.env), c.req.header("Authorization"));
  await next();
});

scimUsers.post("/", async (c) => {
  const input = parseUserInput(await readScimJson(c));
  const { password, ...profile } = input;
  const result = await registryObject(c.env).createUser(
    { ...profile, password: await hashPassword(password) },
    [configOf(c.env).admin.username],
  );
  if ("conflict" in result) throw new ScimError(409, `a user named "${input.userName}" already exists`, "uniqueness");
  const body = scimUser(result.user, base(c));
  return c.json(body, 201, { ...SCIM_JSON, Location: (body.meta as { location: string }).location });
});

scimUsers.get("/", async (c) => {
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
  return c.json(
    { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: users.length, Resources: users.map((u) => scimUser(u, base(c))) },
    200,
    SCIM_JSON,
  );
});

scimUsers.get("/:id", async (c) => {
  const user = await registryObject(c.env).getUser(c.req.param("id"));
  if (!user) throw notFound();
  return c.json(scimUser(user, base(c)), 200, SCIM_JSON);
});

scimUsers.patch("/:id", async (c) => {
  const patch = parseUserPatch(await readScimJson(c));
  const { password, ...rest } = patch;
  const changes: UserChanges = { ...rest, ...(password !== undefined ? { password: await hashPassword(password) } : {}) };
  const user = await registryObject(c.env).patchUser(c.req.param("id"), changes);
  if (!user) throw notFound();
  return c.json(scimUser(user, base(c)), 200, SCIM_JSON);
});

scimUsers.delete("/:id", async (c) => {
  if (!(await registryObject(c.env).deleteUser(c.req.param("id")))) throw notFound();
  return c.body(null, 204);
});

function notFound(): ScimError {
  return new ScimError(404, "no user with that id");
}

function base(c: AppContext): string {
  return issuerOf(c, configOf(c.env));
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
