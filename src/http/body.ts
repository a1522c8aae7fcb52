import type { Context } from "hono";
import { strictUtf8 } from "../text/utf8";

/**
 * Request bodies, read strictly: the content type must be one of `types` and the bytes valid
 * UTF-8. `fail` makes the endpoint's own error type. (The 64 KiB limit is the bodyLimit
 * middleware's.)
 */
export async function readTextBody(c: Context, types: readonly string[], fail: (message: string) => Error): Promise<string> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!types.includes(type)) throw fail(`Content-Type must be ${types.join(" or ")}`);
  try {
    return strictUtf8.decode(await c.req.arrayBuffer());
  } catch (error) {
    if (error instanceof TypeError) throw fail("the request body is not valid UTF-8");
    throw error;
  }
}

/** A JSON body (RFC 8259: UTF-8 only). */
export async function readJsonBody(c: Context, types: readonly string[], fail: (message: string) => Error): Promise<unknown> {
  const text = await readTextBody(c, types, fail);
  try {
    return JSON.parse(text);
  } catch {
    throw fail("the request body is not valid JSON");
  }
}
