import type { Context } from "hono";

/**
 * Reads a JSON request body strictly: the content type must be one of `types`, the bytes valid
 * UTF-8 (RFC 8259 §8.1) and the text valid JSON. `fail` makes the endpoint's own error type.
 */
export async function readJsonBody(c: Context, types: readonly string[], fail: (message: string) => Error): Promise<unknown> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!types.includes(type)) throw fail(`Content-Type must be ${types.join(" or ")}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch (error) {
    if (error instanceof TypeError) throw fail("the request body is not valid UTF-8");
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw fail("the request body is not valid JSON");
  }
}
