import { describe, expect, it } from "vitest";
import { hostnameOf, originOf } from "../src/http/middleware/configuration";

describe("the issuer's origin and the loopback check, without a URL parse per request", () => {
  it.each([
    "https://auth.example/oauth2/token",
    "https://auth.example:8443/oauth2/token?x=1",
    "http://localhost:8787/",
    "http://127.0.0.1:8787/oauth2/introspect",
    "http://[::1]:8787/.well-known/openid-configuration",
    "http://[::1]/x",
    "https://auth.example",
  ])("%s: the same as new URL()", (url) => {
    const parsed = new URL(url);
    expect(originOf(url)).toBe(parsed.origin);
    expect(hostnameOf(originOf(url))).toBe(parsed.hostname);
  });
});
