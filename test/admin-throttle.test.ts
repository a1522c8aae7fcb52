import { describe, expect, it } from "vitest";
import { useTestClock } from "./helpers/clock";
import { call, form, FORM_TYPE } from "./helpers/http";

const REGISTER = "/api/identity/oauth2/dcr/v1.1/register/nope";

function adminCall(ip: string, password: string, path = REGISTER) {
  return call(path, { headers: { Authorization: `Basic ${btoa(`admin:${password}`)}`, "CF-Connecting-IP": ip } });
}

function introspectAs(ip: string, password: string) {
  return call("/oauth2/introspect", {
    method: "POST",
    headers: { Authorization: `Basic ${btoa(`admin:${password}`)}`, "CF-Connecting-IP": ip, ...FORM_TYPE },
    body: form({ token: "x" }),
  });
}

describe("throttled administrator credentials (SPEC §14)", () => {
  const clock = useTestClock();

  it("after 10 wrong passwords an address gets 429 with Retry-After, even with the right password; other addresses are not locked out", async () => {
    const attacker = `198.51.100.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 9; i++) expect((await adminCall(attacker, `guess-${i}`)).status).toBe(401);
    const tenth = await adminCall(attacker, "guess-10");
    expect(tenth.status).toBe(429);
    expect(Number(tenth.headers.get("Retry-After"))).toBeGreaterThan(0);
    const right = await adminCall(attacker, "admin");
    expect(right.status).toBe(429); // a right guess looks like a wrong one now
    expect(await right.json()).toMatchObject({ error: "slow_down" });
    // The administrator elsewhere is not locked out.
    expect((await adminCall("203.0.113.7", "admin")).status).toBe(404);
    // After the block, the address may try again.
    clock.advance(15 * 60_000 + 1_000);
    expect((await adminCall(attacker, "admin")).status).toBe(404);
  });

  it("wrong administrator passwords at introspection count too; client credentials there are not throttled as the administrator", async () => {
    const attacker = `192.0.2.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 9; i++) expect((await introspectAs(attacker, `guess-${i}`)).status).toBe(401);
    expect((await introspectAs(attacker, "guess-10")).status).toBe(429);
    expect((await adminCall(attacker, "admin")).status).toBe(429);
  });
});

describe("the global rule of the administrator throttle", () => {
  useTestClock();

  it("under a distributed guess (over 100 failures a minute in all), a single failure blocks an address", async () => {
    const prefix = `10.${Math.floor(Math.random() * 250)}`;
    // Each address guesses once: the per-address rule (10 failures) alone would never block one.
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++) statuses.push((await adminCall(`${prefix}.${Math.floor(i / 250)}.${i % 250}`, `guess-${i}`)).status);
    expect(statuses.slice(0, 10).every((status) => status === 401 || status === 429)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // An address that never failed is still let in.
    expect((await adminCall(`${prefix}.200.2`, "admin")).status).toBe(404);
  });
});
