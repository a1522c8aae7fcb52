import { parseClientMetadata } from "../../oauth/client-metadata";
import { invalidClientMetadata, invalidRequest, valueOf } from "../../protocol/errors";
import { clientInformation } from "../../registry/client-record";
import { newClientId } from "../../registry/client-ids";
import { forgetClient, registryObject } from "../../registry/lookup";
import { readJsonBody } from "../body";
import type { AppContext } from "../context";

/**
 * Application registration at WSO2's paths: RFC 7591 (POST), RFC 7592 (GET, PUT, DELETE) and
 * secret rotation. The admin guard has authenticated the super administrator.
 */
export async function registerClient(c: AppContext): Promise<Response> {
  const metadata = parseClientMetadata(await readJson(c));
  const { client, clientSecret } = await registryObject(c.env).createClient(metadata, await newClientId(c.var.config.tokenSecret));
  return c.json({ ...clientInformation(client), ...(clientSecret ? { client_secret: clientSecret } : {}) }, 201);
}

export async function readClient(c: AppContext): Promise<Response> {
  const client = valueOf(await registryObject(c.env).getClient(c.req.param("clientId")!));
  return c.json(clientInformation(client));
}

/** RFC 7592 §2.2: the body replaces the client's metadata; omitted optional fields are cleared. */
export async function updateClient(c: AppContext): Promise<Response> {
  const clientId = c.req.param("clientId")!;
  const body = await readJson(c);
  const claimed = typeof body === "object" && body !== null ? (body as Record<string, unknown>).client_id : undefined;
  if (claimed !== undefined && claimed !== clientId) throw invalidClientMetadata("client_id in the body differs from the URL");
  const client = valueOf(await registryObject(c.env).updateClient(clientId, parseClientMetadata(body)));
  forgetClient(clientId);
  return c.json(clientInformation(client));
}

/** A new secret, shown once; the old secret and every token issued under it stop working. */
export async function rotateClientSecret(c: AppContext): Promise<Response> {
  const rotated = valueOf(await registryObject(c.env).rotateClientSecret(c.req.param("clientId")!));
  forgetClient(rotated.client.client_id);
  return c.json({ ...clientInformation(rotated.client), client_secret: rotated.clientSecret });
}

export async function deleteClient(c: AppContext): Promise<Response> {
  valueOf(await registryObject(c.env).deleteClient(c.req.param("clientId")!));
  forgetClient(c.req.param("clientId")!);
  return c.body(null, 204);
}

function readJson(c: AppContext): Promise<unknown> {
  return readJsonBody(c, ["application/json"], invalidRequest);
}
