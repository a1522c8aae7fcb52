import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/**
 * Helpers of the real-browser end-to-end tests: Chromium through puppeteer-core (Debian's
 * `chromium` package; Puppeteer's own browser downloads are not used), a local client that
 * receives the redirect, and screenshots under test-results/.
 */

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's /usr/bin/chromium (.ci/run installs it). */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install it (apt-get install chromium) or set CHROMIUM_PATH to its executable`);
  }
  return path;
}

/** Headless Chromium, bounded: launching and every protocol call give up instead of hanging. */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--lang=en-US"],
    timeout: 30_000,
    protocolTimeout: 30_000,
  });
}

export const DESKTOP = { name: "desktop", width: 1280, height: 800, deviceScaleFactor: 1 } as const;
export const PHONE = { name: "phone", width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
export type Viewport = typeof DESKTOP | typeof PHONE;

export const SCREENSHOT_DIR = join(import.meta.dirname, "..", "..", "test-results", "screenshots");

/** A full-page PNG at test-results/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What `document.activeElement` is: its tag, id, name and value (for focus checks). */
export function activeElement(page: Page): Promise<{ tag: string; id: string; name: string | null; value: string | null }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return {
      tag: element?.tagName.toLowerCase() ?? "",
      id: element?.id ?? "",
      name: element?.getAttribute("name") ?? null,
      value: element?.getAttribute("value") ?? null,
    };
  });
}

/**
 * Polls a condition from Node (page.evaluate goes through the DevTools protocol, which the pages'
 * CSP does not restrict; waitForFunction would have to evaluate code inside the page).
 */
export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

/**
 * The client's side of the redirect: a local HTTP server on 127.0.0.1 that records each callback;
 * `/framed?src=<url>` is a page of this other origin that frames `src`.
 */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:40123/callback */
  redirectUri: string;
  origin: string;
  /** Every callback URL received, in order. */
  received: URL[];
  stop(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
    if (url.pathname === "/framed") {
      // Another site's page that puts `src` in a frame (clickjacking).
      const src = (url.searchParams.get("src") ?? "").replace(/[&"<>]/g, (char) => `&#${char.charCodeAt(0)};`);
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><html lang="en"><title>Framed</title><iframe src="${src}"></iframe></html>`);
      return;
    }
    if (url.pathname !== "/callback") {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    received.push(url);
    response
      .writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" })
      .end('<!doctype html><html lang="en"><title>Photo Album</title><h1>Photo Album</h1><p id="status">Signed in, finishing…</p></html>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    redirectUri: `${origin}/callback`,
    origin,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
