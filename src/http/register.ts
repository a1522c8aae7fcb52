import { Hono, type Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { requireAdministrator } from "../oauth/caller-auth";
import { invalidClientMetadata, invalidRequest, notFound } from "../oauth/errors";
import { clientInformation } from "../registry/client";
import { parseClientMetadata } from "../registry/client-metadata";
import { registryObject } from "../store/registry-cache";
import { readJsonBody } from "./body";
import { noStoreJson } from "./respond";

type AppContext = Context<{ Bindings: Env }>;

/**
 * Application registration at WSO2's paths: RFC 7591 (POST), RFC 7592 (GET, PUT, DELETE) and
 * secret rotation, authorised by the super administrator's Basic credentials.
 */
export const registration = new Hono<{ Bindings: Env }>();

registration.use(async (c, next) => {
  await requireAdministrator(configOf(c.env), c.req.header("Authorization"));
  await next();
});

registration.post("/", async (c) => {
  const metadata = parseClientMetadata(await readJson(c));
  const { client, clientSecret } = await registryObject(c.env).createClient(metadata);
  return noStoreJson(c, { ...clientInformation(client), client_secret: clientSecret }, 201);
});

registration.get("/:clientId", async (c) => {
  const client = await registryObject(c.env).getClient(c.req.param("clientId"));
  if (!client) throw clientNotFound();
  return noStoreJson(c, clientInformation(client));
});

/** RFC 7592 §2.2: the body replaces the client's metadata; omitted optional fields are cleared. */
registration.put("/:clientId", async (c) => {
  const clientId = c.req.param("clientId");
  const body = await readJson(c);
  const claimed = typeof body === "object" && body !== null ? (body as Record<string, unknown>).client_id : undefined;
  if (claimed !== undefined && claimed !== clientId) throw invalidClientMetadata("client_id in the body differs from the URL");
  const client = await registryObject(c.env).updateClient(clientId, parseClientMetadata(body));
  if (!client) throw clientNotFound();
  return noStoreJson(c, clientInformation(client));
});

/** A new secret, shown once; the old secret and every token issued under it stop working. */
registration.post("/:clientId/secret", async (c) => {
  const rotated = await registryObject(c.env).rotateClientSecret(c.req.param("clientId"));
  if (!rotated) throw clientNotFound();
  return noStoreJson(c, { ...clientInformation(rotated.client), client_secret: rotated.clientSecret });
});

registration.delete("/:clientId", async (c) => {
  if (!(await registryObject(c.env).deleteClient(c.req.param("clientId")))) throw clientNotFound();
  return c.body(null, 204);
});

function clientNotFound() {
  return notFound("no client with that client_id");
}

function readJson(c: AppContext): Promise<unknown> {
  return readJsonBody(c, ["application/json"], invalidRequest);
}
