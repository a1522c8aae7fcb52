/** The one client of bench/oidc-provider/server.mjs. */
export const CLIENT = { id: "bench", secret: "bench-secret-0123456789abcdef0123456789abcdef" };
