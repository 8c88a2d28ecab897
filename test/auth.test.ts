import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino, { type Logger as PinoLogger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { ErrorBody, type Agent, type ApiKey, type AuditEvent, type ConfigInput, type CreatedApiKey, type CreatedInvite, type PasswordResetResult, type SessionInfo, type WhoAmI } from "../src/contracts/index.js";
import { issueApiKey } from "../src/runtime/auth/api-keys.js";
import { hashToken } from "../src/runtime/auth/tokens.js";
import { startServer, type RunningServer } from "../src/server/main.js";
import { seedApiKey, seedUser, TEST_PASSWORD } from "./support/accounts.js";
import { testModelPath, testThreads } from "./support/models.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { call as callAt, type Reply } from "./support/http.js";

/* Accounts and credentials through the real HTTP server: sign-up, sessions, CSRF, API keys, passwords, limits, headers, logs. */

type Headers_ = Record<string, string>;

function call<T = ErrorBody>(base: string, method: string, url: string, options: { body?: unknown; raw?: string; headers?: Headers_ } = {}): Promise<Reply<T>> {
  return callAt<T>(base, method, url, options);
}

/** The Set-Cookie line for `name`, and its value. */
function setCookie(headers: Headers, name: string): { line: string; value: string } | undefined {
  const line = headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  return line === undefined ? undefined : { line, value: decodeURIComponent(line.slice(name.length + 1).split(";")[0]!) };
}

/** A signed-in browser: the session token from its cookie, and the headers a page sends (cookie + CSRF token). */
interface Browser { token: string; csrf: string; user: SessionInfo["user"]; cookie: Headers_; headers: Headers_ }

function browserFrom(reply: Reply<SessionInfo>): Browser {
  const cookie = setCookie(reply.headers, "atelier_session");
  if (!cookie) throw new Error(`no session cookie: ${reply.status} ${reply.text}`);
  const sent = { cookie: `atelier_session=${cookie.value}` };
  return { token: cookie.value, csrf: reply.body.csrfToken, user: reply.body.user, cookie: sent, headers: { ...sent, "x-csrf-token": reply.body.csrfToken } };
}

async function signIn(base: string, how: "login" | "signup", body: Record<string, unknown>): Promise<Browser> {
  const reply = await call<SessionInfo>(base, "POST", `/api/auth/${how}`, { body });
  expect(reply.status, reply.text).toBe(how === "login" ? 200 : 201);
  return browserFrom(reply);
}

const login = (base: string, email: string, password = TEST_PASSWORD) => signIn(base, "login", { email, password });
const bearer = (token: string): Headers_ => ({ authorization: `Bearer ${token}` });

/** A server on a fresh, empty instance (no users), unlike startTestServer. */
async function startBareServer(config: ConfigInput = {}, logger?: PinoLogger): Promise<RunningServer & { dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "atelier-auth-"));
  const overrides: ConfigInput = {
    port: 0, dataDir, logLevel: "silent", model: testModelPath(), llama: { threads: testThreads, sequences: 2 },
    rateLimits: { login: { max: 0 }, public: { max: 0 } }, ...config,
  };
  const server = await startServer({ config: loadConfig({ env: {}, overrides }), ...(logger ? { logger } : {}) });
  return { ...server, dataDir };
}

async function stop(server: (RunningServer & { dataDir: string }) | undefined): Promise<void> {
  await server?.close();
  if (server) removeDir(server.dataDir);
}

let main: TestServer;
beforeAll(async () => {
  main = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
});
afterAll(() => stop(main));

describe("sign-up", () => {
  let fresh: RunningServer & { dataDir: string };
  let admin: Browser;
  beforeAll(async () => { fresh = await startBareServer(); });
  afterAll(() => stop(fresh));
  const signUp = (email: string, inviteToken?: string) =>
    call<SessionInfo>(fresh.url, "POST", "/api/auth/signup", { body: { email, name: "Someone", password: TEST_PASSWORD, ...(inviteToken ? { inviteToken } : {}) } });
  const invite = async (body: Record<string, unknown> = {}) => {
    const created = await call<CreatedInvite>(fresh.url, "POST", "/api/admin/invites", { body, headers: admin.headers });
    expect(created.status, created.text).toBe(201);
    return created.body.token;
  };

  it("makes the first account of an empty instance its admin, with an httpOnly SameSite=Lax session cookie", async () => {
    expect((await call(fresh.url, "GET", "/api/auth/status")).body).toEqual({ signupMode: "invite", needsFirstUser: true });
    const reply = await signUp("first@example.test");
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body.user).toMatchObject({ email: "first@example.test", role: "admin" });
    expect(reply.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const cookie = setCookie(reply.headers, "atelier_session")!;
    expect(cookie.value).toMatch(/^ses_/);
    expect(cookie.line).toMatch(/;\s*HttpOnly(;|$)/i);
    expect(cookie.line).toMatch(/;\s*SameSite=Lax(;|$)/i);
    expect(cookie.line).toMatch(/;\s*Path=\/(;|$)/i);
    expect(cookie.line).not.toMatch(/;\s*Secure(;|$)/i); // plain http in tests
    expect(reply.text, "the session token travels in the cookie only").not.toContain(cookie.value);

    admin = browserFrom(reply);
    const session = await call<WhoAmI>(fresh.url, "GET", "/api/auth/session", { headers: admin.cookie });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ via: "session", user: { id: reply.body.user.id, role: "admin" }, csrfToken: reply.body.csrfToken });
    expect((await call(fresh.url, "GET", "/api/auth/status")).body).toEqual({ signupMode: "invite", needsFirstUser: false });
  });

  it("refuses a second sign-up without an invitation, and admits one per invitation", async () => {
    expect((await signUp("uninvited@example.test")).status).toBe(403);
    expect((await signUp("forged@example.test", "inv_forged")).status).toBe(403);
    const token = await invite();
    const invited = await signUp("invited@example.test", token);
    expect(invited.status, invited.text).toBe(201);
    expect(invited.body.user.role).toBe("owner");
    expect((await signUp("second-use@example.test", token)).status, "an invitation is single use").toBe(403);
  });

  it("holds an email-bound invitation for that email only", async () => {
    const token = await invite({ email: "bound@example.test" });
    expect((await signUp("someone-else@example.test", token)).status).toBe(403);
    const bound = await signUp("bound@example.test", token);
    expect(bound.status, bound.text).toBe(201);
  });

  it("refuses everyone when closed, and admits owners when open", async () => {
    const closed = await call(fresh.url, "PATCH", "/api/admin/settings", { body: { signupMode: "closed" }, headers: admin.headers });
    expect(closed.status, closed.text).toBe(200);
    const token = await invite();
    expect((await signUp("closed@example.test")).status).toBe(403);
    expect((await signUp("closed-invited@example.test", token)).status).toBe(403);

    expect((await call(fresh.url, "PATCH", "/api/admin/settings", { body: { signupMode: "open" }, headers: admin.headers })).status).toBe(200);
    const open = await signUp("open@example.test");
    expect(open.status, open.text).toBe(201);
    expect(open.body.user.role).toBe("owner");
    expect((await call(fresh.url, "GET", "/api/auth/status")).body).toEqual({ signupMode: "open", needsFirstUser: false });
  });
});

describe("sign-in and sign-out", () => {
  it("answers a wrong password and an unknown email alike, and audits the failure for the known account", async () => {
    const user = await seedUser(main.services.store);
    const wrong = await call(main.url, "POST", "/api/auth/login", { body: { email: user.email, password: "not-the-password" } });
    const unknown = await call(main.url, "POST", "/api/auth/login", { body: { email: "nobody@example.test", password: "not-the-password" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("unauthorized");

    const browser = await login(main.url, user.email);
    const audit = await call<{ events: AuditEvent[] }>(main.url, "GET", "/api/account/audit", { headers: browser.cookie });
    const actions = audit.body.events.map((event) => event.action);
    expect(actions).toContain("user.login_failed");
    expect(actions.indexOf("user.logged_in"), "newest first").toBeLessThan(actions.indexOf("user.login_failed"));
    expect(audit.body.events.find((event) => event.action === "user.login_failed")?.actor).toBeNull();
  });

  it("ends the session on logout: the cookie is cleared and no longer works", async () => {
    const user = await seedUser(main.services.store);
    const browser = await login(main.url, user.email);
    expect((await call(main.url, "GET", "/api/auth/session", { headers: browser.cookie })).status).toBe(200);
    const out = await call(main.url, "POST", "/api/auth/logout", { headers: browser.headers });
    expect(out.status).toBe(204);
    expect(setCookie(out.headers, "atelier_session")?.value).toBe("");
    expect((await call(main.url, "GET", "/api/auth/session", { headers: browser.cookie })).status).toBe(401);
  });
});

describe("CSRF", () => {
  it("refuses cookie-authenticated writes without the right X-CSRF-Token or from another origin", async () => {
    const browser = await login(main.url, (await seedUser(main.services.store)).email);
    const count = async () => (await call<{ agents: Agent[] }>(main.url, "GET", "/api/agents", { headers: browser.cookie })).body.agents.length;
    const create = (headers: Headers_) => call<Agent>(main.url, "POST", "/api/agents", { body: { name: "Csrf Probe" }, headers: { ...browser.cookie, ...headers } });
    const before = await count();

    const attempts: Headers_[] = [{}, { "x-csrf-token": "wrong" }, { "x-csrf-token": `${browser.csrf}x` }, { "x-csrf-token": browser.csrf, origin: "https://evil.example" }, { "x-csrf-token": browser.csrf, origin: "null" }];
    for (const headers of attempts) {
      const refused = await create(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect((refused.body as unknown as ErrorBody).error.code).toBe("csrf_failed");
    }
    expect(await count(), "nothing was created").toBe(before);

    expect((await create({ "x-csrf-token": browser.csrf })).status).toBe(201);
    expect((await create({ "x-csrf-token": browser.csrf, origin: new URL(main.url).origin })).status, "a same-origin page").toBe(201);
    expect(await count()).toBe(before + 2);
  });

  it("needs no CSRF token for API-key writes", async () => {
    const created = await call(main.url, "POST", "/api/agents", { body: { name: "Keyed" }, headers: main.auth });
    expect(created.status, created.text).toBe(201);
  });
});

describe("API keys", () => {
  const createKey = async (browser: Browser, body: Record<string, unknown>) => {
    const created = await call<CreatedApiKey>(main.url, "POST", "/api/keys", { body, headers: browser.headers });
    expect(created.status, created.text).toBe(201);
    return created.body;
  };
  const listKeys = (browser: Browser) => call<{ keys: ApiKey[] }>(main.url, "GET", "/api/keys", { headers: browser.cookie });

  it("shows a new key's token once and never lists it or its hash; scopes limit what it can do", async () => {
    const browser = await login(main.url, (await seedUser(main.services.store)).email);
    const { key, token } = await createKey(browser, { name: "reader", scopes: ["agents:read"] });
    expect(token).toMatch(/^atk_/);
    expect(token.startsWith(key.prefix)).toBe(true);
    expect(key).toMatchObject({ name: "reader", scopes: ["agents:read"], lastUsedAt: null, revokedAt: null });

    const listed = await listKeys(browser);
    expect(listed.body.keys.map((k) => k.id)).toContain(key.id);
    expect(listed.text).not.toContain(token);
    expect(listed.text).not.toContain(hashToken(token));
    expect(listed.text).not.toMatch(/hash/i);

    expect((await call(main.url, "GET", "/api/agents", { headers: bearer(token) })).status).toBe(200);
    const write = await call(main.url, "POST", "/api/agents", { body: { name: "Nope" }, headers: bearer(token) });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("forbidden");
    expect((await listKeys(browser)).body.keys.find((k) => k.id === key.id)?.lastUsedAt, "use is recorded").not.toBeNull();
  });

  it("cannot manage keys with a key, even one with every scope", async () => {
    expect((await call(main.url, "GET", "/api/keys", { headers: main.auth })).status).toBe(403);
    expect((await call(main.url, "POST", "/api/keys", { body: { name: "minted", scopes: ["admin"] }, headers: main.auth })).status).toBe(403);
  });

  it("refuses revoked and expired keys and malformed Authorization headers with 401", async () => {
    const user = await seedUser(main.services.store);
    const browser = await login(main.url, user.email);
    const { key, token } = await createKey(browser, { name: "short-lived", scopes: ["agents:read"], expiresInDays: 1 });
    expect(key.expiresAt).not.toBeNull();
    expect((await call(main.url, "GET", "/api/agents", { headers: bearer(token) })).status).toBe(200);
    expect((await call(main.url, "DELETE", `/api/keys/${key.id}`, { headers: browser.headers })).status).toBe(204);
    expect((await call(main.url, "GET", "/api/agents", { headers: bearer(token) })).status).toBe(401);
    expect((await listKeys(browser)).body.keys.find((k) => k.id === key.id)?.revokedAt).not.toBeNull();

    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const expired = await issueApiKey(main.services.store.apiKeys, { userId: user.id, name: "expired", scopes: ["agents:read"], now: yesterday, expiresAt: yesterday });
    expect((await call(main.url, "GET", "/api/agents", { headers: bearer(expired.token) })).status).toBe(401);

    const almost = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const authorization of ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", `Bearer ${main.apiKey} extra`, "Bearer atk_nonsense", `Bearer ${almost}`, "Token abc"]) {
      const reply = await call(main.url, "GET", "/api/agents", { headers: { authorization } });
      expect(reply.status, authorization).toBe(401);
      expect(reply.body.error.code).toBe("unauthorized");
    }
  });
});

describe("passwords", () => {
  it("changes a password with the current one, ending other sessions but this one", async () => {
    const user = await seedUser(main.services.store);
    const [here, elsewhere] = [await login(main.url, user.email), await login(main.url, user.email)];
    const change = (currentPassword: string) =>
      call(main.url, "POST", "/api/account/password", { body: { currentPassword, newPassword: "a-brand-new-password" }, headers: here.headers });
    expect((await change("not-my-password")).status).toBe(403);
    expect((await call(main.url, "GET", "/api/auth/session", { headers: elsewhere.cookie })).status, "a failed change ends nothing").toBe(200);

    expect((await change(TEST_PASSWORD)).status).toBe(204);
    expect((await call(main.url, "GET", "/api/auth/session", { headers: here.cookie })).status).toBe(200);
    expect((await call(main.url, "GET", "/api/auth/session", { headers: elsewhere.cookie })).status).toBe(401);
    expect((await call(main.url, "POST", "/api/auth/login", { body: { email: user.email, password: TEST_PASSWORD } })).status).toBe(401);
    await login(main.url, user.email, "a-brand-new-password");
  });

  it("lets an admin reset a password: a generated one is shown once and the user is signed out", async () => {
    const user = await seedUser(main.services.store);
    const browser = await login(main.url, user.email);
    const reset = await call<PasswordResetResult>(main.url, "POST", `/api/admin/users/${user.id}/password`, { body: {}, headers: main.auth });
    expect(reset.status, reset.text).toBe(200);
    const password = reset.body.password!;
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect((await call(main.url, "GET", "/api/auth/session", { headers: browser.cookie })).status).toBe(401);
    expect((await call(main.url, "POST", "/api/auth/login", { body: { email: user.email, password: TEST_PASSWORD } })).status).toBe(401);
    await login(main.url, user.email, password);

    const users = await call(main.url, "GET", "/api/admin/users", { headers: main.auth });
    expect(users.text).not.toContain(password);
    expect(users.text).not.toMatch(/passwordHash|\$argon2/);
    const chosen = await call<PasswordResetResult>(main.url, "POST", `/api/admin/users/${user.id}/password`, { body: { newPassword: "chosen-by-admin-1" }, headers: main.auth });
    expect(chosen.body.password, "a password the admin chose is not echoed").toBeUndefined();
  });
});

describe("rate limits", () => {
  let limited: RunningServer & { dataDir: string };
  beforeAll(async () => {
    // Behind a trusted proxy, each test can be its own client address with its own budget.
    limited = await startBareServer({ trustProxy: true, rateLimits: { login: { max: 3, windowMs: 10 * 60_000 }, public: { max: 3, windowMs: 10 * 60_000 } } });
  });
  afterAll(() => stop(limited));
  const from = (ip: string) => ({ "x-forwarded-for": ip });
  const attempt = (ip: string) => call(limited.url, "POST", "/api/auth/login", { body: { email: "guess@example.test", password: "guess-guess" }, headers: from(ip) });

  it("answers the 4th sign-in attempt in the window with 429 and Retry-After, per client address", async () => {
    for (let i = 0; i < 3; i++) expect((await attempt("203.0.113.1")).status).toBe(401);
    const refused = await attempt("203.0.113.1");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await attempt("203.0.113.2")).status, "another address has its own budget").toBe(401);
    expect((await call(limited.url, "GET", "/api/auth/status", { headers: from("203.0.113.1") })).status, "other routes are not limited").toBe(200);
  });

  it("counts sign-ups against the same budget as sign-ins", async () => {
    for (let i = 0; i < 3; i++) expect((await attempt("203.0.113.3")).status).toBe(401);
    const signUp = await call(limited.url, "POST", "/api/auth/signup", { body: { email: "late@example.test", name: "Late", password: TEST_PASSWORD }, headers: from("203.0.113.3") });
    expect(signUp.status, signUp.text).toBe(429);
  });

  it("limits visitors across every public route together, but not signed-in owners", async () => {
    const visitor = await call<{ token: string }>(limited.url, "POST", "/api/visitors", { headers: from("203.0.113.4") });
    expect(visitor.status).toBe(201);
    const asVisitor = { ...from("203.0.113.4"), ...bearer(visitor.body.token) };
    expect((await call(limited.url, "GET", "/api/conversations", { headers: asVisitor })).status).toBe(200);
    expect((await call(limited.url, "GET", "/api/visitors/me", { headers: asVisitor })).status).toBe(200);
    expect((await call(limited.url, "GET", "/api/conversations", { headers: asVisitor })).status).toBe(429);

    const owner = await seedUser(limited.services.store);
    const asOwner = { ...from("203.0.113.4"), ...bearer(await seedApiKey(limited.services.store, owner.id)) };
    for (let i = 0; i < 5; i++) expect((await call(limited.url, "GET", "/api/conversations", { headers: asOwner })).status).toBe(200);
  });
});

describe("hardening", () => {
  function expectSecurityHeaders(headers: Headers): void {
    const csp = headers.get("content-security-policy") ?? "";
    const directives = new Map(csp.split(";").map((part) => part.trim().split(/\s+/)).filter((part) => part[0]).map(([name, ...values]) => [name!.toLowerCase(), values]));
    expect(directives.get("default-src"), csp).toEqual(["'self'"]);
    const scripts = directives.get("script-src") ?? directives.get("default-src") ?? [];
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    const framing = headers.get("x-frame-options") ?? "";
    expect(/^(DENY|SAMEORIGIN)$/i.test(framing) || directives.get("frame-ancestors")?.join(" ") === "'none'").toBe(true);
  }

  it("sends security headers on JSON responses and on SSE streams", async () => {
    const json = await fetch(`${main.url}/api/agents`, { headers: main.auth });
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expectSecurityHeaders(json.headers);
    await json.body?.cancel();

    const agent = await main.json<Agent>("POST", "/api/agents", { name: "Header Check", greetings: ["Hi"], model: { temperature: 0.5, maxTokens: 8 } });
    const conversation = await main.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.body.id });
    const stream = await main.post(`/api/conversations/${conversation.body.conversation.id}/messages`, { content: "Hello" });
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expectSecurityHeaders(stream.headers);
    expect(await stream.text()).toContain("message-end");
  });

  it("answers malformed requests with the standard error body, leaking no stack traces or file paths", async () => {
    const cases: [string, Promise<Reply<unknown>>, number?][] = [
      ["truncated JSON", call(main.url, "POST", "/api/agents", { raw: '{"name":', headers: main.auth }), 400],
      ["single-quoted JSON", call(main.url, "POST", "/api/agents", { raw: "{'single':1}", headers: main.auth }), 400],
      ["wrong types", call(main.url, "POST", "/api/auth/login", { body: { email: 5, password: [] } }), 400],
      ["unknown route", call(main.url, "GET", "/api/definitely/not/here"), 404],
      ["too large", call(main.url, "POST", "/api/agents", { raw: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }), headers: main.auth }), 413],
      ["XML", call(main.url, "POST", "/api/agents", { raw: "<a/>", headers: { ...main.auth, "content-type": "application/xml" } }), 415],
      ["text/plain", call(main.url, "POST", "/api/agents", { raw: "name=x", headers: { ...main.auth, "content-type": "text/plain" } }), 400],
      ["overlong id", call(main.url, "GET", `/api/agents/${"x".repeat(5_000)}`, { headers: main.auth })],
      ["bad percent-encoding", call(main.url, "GET", "/api/agents/%E0%A4%A", { headers: main.auth })],
    ];
    for (const [what, pending, status] of cases) {
      const reply = await pending;
      if (status !== undefined) expect(reply.status, what).toBe(status);
      expect(reply.status, what).toBeGreaterThanOrEqual(400);
      expect(reply.status, what).toBeLessThan(500);
      expect(ErrorBody.safeParse(reply.body).success, `${what}: ${reply.text.slice(0, 200)}`).toBe(true);
      for (const leak of ["    at ", "node_modules", "/work/", process.cwd(), ".ts:", "Error:"]) expect(reply.text, what).not.toContain(leak);
    }
  });
});

describe("logs", () => {
  const lines: string[] = [];
  let logged: RunningServer & { dataDir: string };
  beforeAll(async () => {
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
    logged = await startBareServer({}, pino({ level: "info" }, sink));
  });
  afterAll(() => stop(logged));

  it("never log passwords, tokens, API keys, message contents or password hashes", async () => {
    const password = "Pass-Phrase-For-The-Log-Test";
    const secretMessage = "my distinctive secret zebra-quokka-7731";
    const browser = await signIn(logged.url, "signup", { email: "logs@example.test", name: "Logs", password });
    const again = await login(logged.url, "logs@example.test", password);
    expect((await call(logged.url, "POST", "/api/auth/login", { body: { email: "logs@example.test", password: `${password}-wrong` } })).status).toBe(401);
    const key = await call<CreatedApiKey>(logged.url, "POST", "/api/keys", { body: { name: "log key", scopes: ["agents:write", "conversations:write"] }, headers: browser.headers });
    const keyed = bearer(key.body.token);
    const agent = await call<Agent>(logged.url, "POST", "/api/agents", { body: { name: "Logger", model: { temperature: 0.5, maxTokens: 8 } }, headers: keyed });
    const conversation = await call<{ conversation: { id: string } }>(logged.url, "POST", "/api/conversations", { body: { agentId: agent.body.id }, headers: keyed });
    const turn = await call(logged.url, "POST", `/api/conversations/${conversation.body.conversation.id}/messages`, { body: { content: secretMessage, stream: false }, headers: keyed });
    expect(turn.status, turn.text).toBe(200);
    const visitor = await call<{ token: string }>(logged.url, "POST", "/api/visitors");
    await call(logged.url, "POST", "/api/account/password", { body: { currentPassword: password, newPassword: `${password}-2` }, headers: again.headers });
    await logged.close();

    const text = lines.join("");
    expect(lines.length, "the logger is wired in").toBeGreaterThan(10);
    const secrets = { password, secretMessage, session: browser.token, otherSession: again.token, csrf: browser.csrf, apiKey: key.body.token, visitor: visitor.body.token };
    for (const [what, secret] of Object.entries(secrets)) expect(text.includes(secret), `the log contains the ${what}`).toBe(false);
    expect(text.toLowerCase()).not.toContain("argon2");
  });
});
