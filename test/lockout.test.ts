import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, onTestFinished } from "vitest";
import type { LockoutObject } from "../src/registry/lockout-object";
import { useTestClock } from "./helpers/clock";
import { bindings, createUser, registerClient, tokenRequest, uniqueName, userParams, type TestClient } from "./helpers/oauth";

const clock = useTestClock();

const WRONG = { error: "invalid_grant", error_description: "Authentication failed: wrong username or password." };

async function attempt(client: TestClient, userName: string, password: string, vars = {}) {
  const response = await tokenRequest(client, userParams(userName, password), vars);
  return { status: response.status, body: await response.json<Record<string, unknown>>() };
}

async function setUp() {
  const client = await registerClient();
  const userName = uniqueName("lock");
  await createUser(userName, "right-password");
  return { client, userName };
}

async function failures(userName: string): Promise<number> {
  return runInDurableObject(bindings.LOCKOUTS.getByName(userName.toLowerCase()), (_i: LockoutObject, state) =>
    state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failures").one().n,
  );
}

/** Clears a user's failures and lock, so a test leaves no locked account behind. */
async function unlock(userName: string): Promise<void> {
  await runInDurableObject(bindings.LOCKOUTS.getByName(userName.toLowerCase()), (_i: LockoutObject, state) => {
    state.storage.sql.exec("DELETE FROM failures");
    state.storage.sql.exec("DELETE FROM lock");
  });
}

describe("account lockout (WSO2's account-lock handler)", () => {
  it("locks after 5 failures: the right password is then refused with the same answer", async () => {
    const { client, userName } = await setUp();
    for (let i = 0; i < 5; i++) expect(await attempt(client, userName, "wrong")).toEqual({ status: 400, body: WRONG });
    expect(await attempt(client, userName, "right-password")).toEqual({ status: 400, body: WRONG });
  });

  it("unlocks after ACCOUNT_LOCK_DURATION", async () => {
    const { client, userName } = await setUp();
    const vars = { ACCOUNT_LOCK_DURATION: "1" };
    for (let i = 0; i < 5; i++) await attempt(client, userName, "wrong", vars);
    expect((await attempt(client, userName, "right-password", vars)).status).toBe(400);
    clock.advance(1100);
    expect((await attempt(client, userName, "right-password", vars)).status).toBe(200);
  });

  it("a success resets the count", async () => {
    const { client, userName } = await setUp();
    for (let i = 0; i < 4; i++) await attempt(client, userName, "wrong");
    expect(await failures(userName)).toBe(4);
    expect((await attempt(client, userName, "right-password")).status).toBe(200);
    expect(await failures(userName)).toBe(0);
    for (let i = 0; i < 4; i++) await attempt(client, userName, "wrong");
    expect((await attempt(client, userName, "right-password")).status).toBe(200);
  });

  it("only counts failures within ACCOUNT_LOCK_WINDOW", async () => {
    const { client, userName } = await setUp();
    const vars = { ACCOUNT_LOCK_WINDOW: "1" };
    for (let i = 0; i < 4; i++) await attempt(client, userName, "wrong", vars);
    clock.advance(1100);
    for (let i = 0; i < 4; i++) await attempt(client, userName, "wrong", vars);
    expect((await attempt(client, userName, "right-password", vars)).status).toBe(200);
  });

  it("takes its threshold from ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS", async () => {
    const { client, userName } = await setUp();
    const vars = { ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS: "2" };
    await attempt(client, userName, "wrong", vars);
    await attempt(client, userName, "wrong", vars);
    expect((await attempt(client, userName, "right-password", vars)).status).toBe(400);
  });

  it("counts exactly under concurrency: 4 simultaneous failures do not lock, 10 do", async () => {
    const four = await setUp();
    await Promise.all(Array.from({ length: 4 }, () => attempt(four.client, four.userName, "wrong")));
    expect(await failures(four.userName)).toBe(4);
    expect((await attempt(four.client, four.userName, "right-password")).status).toBe(200);

    const ten = await setUp();
    const results = await Promise.all(Array.from({ length: 10 }, () => attempt(ten.client, ten.userName, "wrong")));
    for (const result of results) expect(result).toEqual({ status: 400, body: WRONG });
    expect((await attempt(ten.client, ten.userName, "right-password")).status).toBe(400);
  });

  it("refuses the right password that completes after a concurrent burst of failures locked the account", async () => {
    const { client, userName } = await setUp();
    const passwords = [...Array<string>(19).fill("wrong"), "right-password"];
    const results = await Promise.all(passwords.map((password) => attempt(client, userName, password)));
    expect(results.at(-1)).toEqual({ status: 400, body: WRONG });
    expect((await attempt(client, userName, "right-password")).status).toBe(400);
  });

  it("a request that fails on its scope leaves the count alone", async () => {
    const client = await registerClient(["password"], { scope: "allowed" });
    const userName = uniqueName("lock");
    await createUser(userName, "right-password");
    for (let i = 0; i < 4; i++) await attempt(client, userName, "wrong");
    const refused = await tokenRequest(client, { ...userParams(userName, "right-password"), scope: "forbidden" });
    expect(await refused.json()).toMatchObject({ error: "invalid_scope" });
    expect(await failures(userName)).toBe(4);
  });

  it("applies to the administrator as a password-grant user, without touching the admin APIs", async () => {
    onTestFinished(() => unlock("admin")); // the administrator's password-grant logins work again afterwards
    const client = await registerClient();
    for (let i = 0; i < 5; i++) await attempt(client, "admin", "wrong");
    expect(await attempt(client, "admin", "admin")).toEqual({ status: 400, body: WRONG });
    // The admin APIs take the same credentials and are not locked.
    expect((await registerClient()).id).toEqual(expect.any(String));
  });
});
