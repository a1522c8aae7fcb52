import { Hono, type Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { requireAdministrator } from "../oauth/caller-auth";
import { invalidRequest, notFound } from "../oauth/errors";
import { clientInformation } from "../registry/client";
import { parseClientMetadata } from "../registry/client-metadata";
import { noStoreJson } from "./respond";

type AppContext = Context<{ Bindings: Env }>;

/**
 * Application registration, at WSO2's paths: RFC 7591 (POST) and RFC 7592 (GET, DELETE),
 * authorised by the super administrator's Basic credentials.
 */
export const registration = new Hono<{ Bindings: Env }>();

registration.use(async (c, next) => {
  await requireAdministrator(configOf(c.env), c.req.header("Authorization"));
  await next();
});

registration.post("/", async (c) => {
  const metadata = parseClientMetadata(await readJson(c));
  const { client, clientSecret } = await registry(c).createClient(metadata);
  return noStoreJson(c, { ...clientInformation(client), client_secret: clientSecret }, 201);
});

registration.get("/:clientId", async (c) => {
  const client = await registry(c).getClient(c.req.param("clientId"));
  if (!client) throw notFound("no client with that client_id");
  return noStoreJson(c, clientInformation(client));
});

registration.delete("/:clientId", async (c) => {
  if (!(await registry(c).deleteClient(c.req.param("clientId")))) {
    throw notFound("no client with that client_id");
  }
  return c.body(null, 204);
});

function registry(c: AppContext) {
  return c.env.REGISTRY.getByName("registry");
}

async function readJson(c: AppContext): Promise<unknown> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (contentType.split(";")[0]!.trim().toLowerCase() !== "application/json") {
    throw invalidRequest("Content-Type must be application/json");
  }
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw invalidRequest("the request body is not valid JSON");
  }
}
