import { createMiddleware } from "hono/factory";

/** RFC 6749 §5.1 and RFC 7009: answers with tokens, secrets or token status are never cached. */
export const NO_STORE_HEADERS = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export const noStore = createMiddleware(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(NO_STORE_HEADERS)) c.res.headers.set(name, value);
});
