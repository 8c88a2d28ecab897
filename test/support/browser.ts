import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { ConfigInput } from "../../src/contracts/index.js";
import { removeDir, startTestServer, type TestServer } from "./server.js";

/** Debian's chromium; ATELIER_CHROMIUM points elsewhere. Never a downloaded browser. */
export function chromiumPath(): string {
  const candidates = [process.env.ATELIER_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(`No Chromium found (tried ${candidates.join(", ")}). Install Debian's chromium package or set ATELIER_CHROMIUM.`);
  }
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Containers often lack the user namespaces Chromium's sandbox needs; /dev/shm is small there.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Where screenshots of the main pages land (CI keeps them as artefacts). */
export const SCREENSHOT_DIR = process.env.ATELIER_SCREENSHOT_DIR ?? path.join(repoRoot, "test-artifacts", "screenshots");

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface StudioContextOptions {
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
  /** Sign in as the test server's admin first (default true). */
  signedIn?: boolean;
}

/**
 * A browser context on the test server, signed in through the real login endpoint so the session
 * cookie is the studio's own. Console errors and failed page scripts fail loudly via `errors`.
 */
export async function openStudio(
  browser: Browser,
  server: TestServer,
  options: StudioContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? "light",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  if (options.signedIn ?? true) {
    const response = await context.request.post("/api/auth/login", {
      data: { email: server.admin.email, password: server.admin.password },
    });
    if (!response.ok()) throw new Error(`test sign-in failed: ${response.status()} ${await response.text()}`);
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return { context, page, errors };
}

/** Test servers for browser tests: no sign-in rate limit (every test signs in), the real engine. */
export const BROWSER_SERVER_CONFIG = { rateLimits: { login: { max: 0, windowMs: 60_000 }, public: { max: 0, windowMs: 60_000 } } };

/** The real server (with BROWSER_SERVER_CONFIG, plus `config`) and headless Chromium, started together. */
export async function startStudio(config: ConfigInput = {}): Promise<{ server: TestServer; browser: Browser }> {
  const [server, browser] = await Promise.all([startTestServer({ config: { ...BROWSER_SERVER_CONFIG, ...config } }), launchBrowser()]);
  return { server, browser };
}

/** Closes what startStudio started, as far as it got, and removes the server's data folder. */
export async function stopStudio(studio: { server?: TestServer | undefined; browser?: Browser | undefined }): Promise<void> {
  await studio.browser?.close();
  await studio.server?.close();
  if (studio.server) removeDir(studio.server.dataDir);
}
