import { VisitorSession } from "../../contracts/index.js";
import { z } from "zod";
import { visitorOf } from "../../runtime/auth/principal.js";
import { clearCredentialCookie, setCredentialCookie, VISITOR_COOKIE } from "../cookies.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const VISITOR_COOKIE_DAYS = 365;
const VisitorMe = z.object({ visitorId: z.string(), csrfToken: z.string() });

/** Anonymous identities for people talking to published agents (share page, widget, apps). */
export function visitorRoutes({ credentials, chat, cookies }: AppServices): RouteSpec[] {
  return [
    route({
      method: "POST", url: "/api/visitors", tag: "visitors",
      summary: "Start a visitor identity: sets the visitor cookie and returns the token (for Authorization: Bearer) once",
      auth: { allow: ["anyone"], rateLimit: "public" }, responses: { 201: VisitorSession },
      handler: async ({ request, reply }) => {
        const visitor = await credentials.createVisitor();
        const expires = new Date(Date.now() + VISITOR_COOKIE_DAYS * 24 * 60 * 60 * 1000);
        setCredentialCookie({ reply, request, name: VISITOR_COOKIE, token: visitor.token, expires, secure: cookies.secure });
        return { status: 201, body: visitor };
      },
    }),
    route({
      method: "GET", url: "/api/visitors/me", tag: "visitors", summary: "The calling visitor and their CSRF token (for cookie-authenticated writes)",
      auth: { allow: ["visitor"], rateLimit: "public" }, responses: { 200: VisitorMe },
      handler: async ({ principal }) => {
        const visitor = visitorOf(principal);
        return { status: 200, body: { visitorId: visitor.visitorId, csrfToken: visitor.csrfToken } };
      },
    }),
    route({
      method: "DELETE", url: "/api/visitors/me", tag: "visitors",
      summary: "Forget me: deletes the calling visitor and every conversation they had",
      auth: { allow: ["visitor"], rateLimit: "public" }, responses: { 204: null },
      handler: async ({ principal, request, reply }) => {
        const visitor = visitorOf(principal);
        await chat.stopReplies({ participantId: visitor.visitorId }, "The visitor deleted their data.");
        await credentials.deleteVisitor(visitor.visitorId);
        clearCredentialCookie({ reply, request, name: VISITOR_COOKIE, secure: cookies.secure });
        return { status: 204 };
      },
    }),
  ];
}
