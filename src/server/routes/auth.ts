import type { FastifyReply, FastifyRequest } from "fastify";
import { AuditList, AuthStatus, ChangePassword, ConfirmPassword, Login, Page, SessionInfo, SignUp, WhoAmI } from "../../contracts/index.js";
import { exportAccount, exportFileName } from "../../runtime/account-export.js";
import type { IssuedSession } from "../../runtime/auth/accounts-service.js";
import { userOf } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { clearCredentialCookie, SESSION_COOKIE, setCredentialCookie } from "../cookies.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const LOGIN: AuthRule = { allow: ["anyone"], rateLimit: "login" };
/** Things only the person at the keyboard does: no API key may. */
const PERSONAL: AuthRule = { allow: ["user"] };

export function authRoutes(services: AppServices): RouteSpec[] {
  const { accounts, audit, chat, store } = services;
  const secure = services.cookies.secure;

  function startSession(session: IssuedSession, request: FastifyRequest, reply: FastifyReply): SessionInfo {
    setCredentialCookie({ reply, request, name: SESSION_COOKIE, token: session.token, expires: new Date(session.expiresAt), secure });
    return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  return [
    route({
      method: "GET", url: "/api/auth/status", tag: "auth", summary: "Whether sign-up is open, and whether the instance still needs its first (admin) account",
      auth: { allow: ["anyone"] }, responses: { 200: AuthStatus },
      handler: async () => ({ status: 200, body: await accounts.status() }),
    }),
    route({
      method: "POST", url: "/api/auth/signup", tag: "auth",
      summary: "Create an account and sign in (the first account becomes the admin); sets the session cookie",
      auth: LOGIN, body: SignUp, responses: { 201: SessionInfo },
      handler: async ({ body, request, reply }) => ({ status: 201, body: startSession(await accounts.signUp(body, { ip: request.ip }), request, reply) }),
    }),
    route({
      method: "POST", url: "/api/auth/login", tag: "auth", summary: "Sign in with email and password; sets the session cookie",
      auth: LOGIN, body: Login, responses: { 200: SessionInfo },
      handler: async ({ body, request, reply }) => ({ status: 200, body: startSession(await accounts.logIn(body, { ip: request.ip }), request, reply) }),
    }),
    route({
      method: "POST", url: "/api/auth/logout", tag: "auth", summary: "End this session",
      auth: PERSONAL, responses: { 204: null },
      handler: async ({ principal, request, reply }) => {
        const caller = userOf(principal);
        if (caller.via === "session") await accounts.logOut({ sessionId: caller.sessionId, userId: caller.user.id }, { ip: request.ip });
        clearCredentialCookie({ reply, request, name: SESSION_COOKIE, secure });
        return { status: 204 };
      },
    }),
    route({
      method: "GET", url: "/api/auth/session", tag: "auth",
      summary: "Who is calling: the signed-in user with this session's CSRF token, or an API key's owner and scopes",
      auth: { allow: ["user"], scope: "agents:read" }, responses: { 200: WhoAmI },
      handler: async ({ principal }) => {
        const caller = userOf(principal);
        const body: WhoAmI = caller.via === "session"
          ? { via: "session", user: caller.user, csrfToken: caller.csrfToken, expiresAt: caller.expiresAt }
          : { via: "api_key", user: caller.user, keyId: caller.keyId, scopes: [...caller.scopes] };
        return { status: 200, body };
      },
    }),
    route({
      method: "POST", url: "/api/account/password", tag: "account", summary: "Change your password; signs out your other sessions",
      auth: PERSONAL, body: ChangePassword, responses: { 204: null },
      handler: async ({ body, principal, request }) => {
        const caller = userOf(principal);
        await accounts.changePassword({
          userId: caller.user.id,
          sessionId: caller.via === "session" ? caller.sessionId : null,
          currentPassword: body.currentPassword,
          newPassword: body.newPassword,
        }, { ip: request.ip });
        return { status: 204 };
      },
    }),
    route({
      method: "GET", url: "/api/account/audit", tag: "account", summary: "Security events of your account, newest first",
      auth: PERSONAL, query: Page, responses: { 200: AuditList },
      handler: async ({ principal, query }) => ({
        status: 200,
        body: { events: await store.audit.list({ userId: userOf(principal).user.id, limit: query.limit, ...(query.before ? { before: query.before } : {}) }) },
      }),
    }),
    route({
      method: "GET", url: "/api/account/export", tag: "account",
      summary: "Download everything of yours (account, keys' metadata, agents with every version, lorebooks and what they remember, conversations, what other agents remember about you, audit log) as one zip",
      auth: { allow: ["user"], scope: "account:export" }, responses: { 200: { file: "application/zip" } },
      handler: async ({ principal, request, reply }) => {
        const userId = userOf(principal).user.id;
        const gone = new AbortController();
        reply.raw.once("close", () => gone.abort());
        const archive = await exportAccount({ store, userId, signal: gone.signal });
        // Recorded once the whole archive has been read, not when a download merely started.
        archive.once("end", () => void audit.record({ userId, action: "account.exported", actor: userId, ip: request.ip }));
        void reply
          .type("application/zip")
          .header("content-disposition", `attachment; filename="${exportFileName(new Date())}"`)
          .header("cache-control", "no-store")
          .send(archive);
        return "streamed";
      },
    }),
    route({
      method: "DELETE", url: "/api/account", tag: "account",
      summary: "Delete your account with everything in it (agents, conversations, keys); confirm with your password",
      auth: PERSONAL, body: ConfirmPassword, responses: { 204: null },
      handler: async ({ body, principal, request, reply }) => {
        const caller = userOf(principal);
        await accounts.verifyPassword(caller.user.id, body.password);
        await chat.stopReplies({ ownerId: caller.user.id }, "The account was deleted.");
        await accounts.deleteUser({ userId: caller.user.id }, { userId: caller.user.id, ip: request.ip });
        clearCredentialCookie({ reply, request, name: SESSION_COOKIE, secure });
        return { status: 204 };
      },
    }),
  ];
}
