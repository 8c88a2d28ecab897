import { IdentifyVisitor, VisitorSession } from "../../contracts/index.js";
import { z } from "zod";
import { visitorOf } from "../../runtime/auth/principal.js";
import { clearCredentialCookie, setCredentialCookie, VISITOR_COOKIE } from "../cookies.js";
import { crossSiteOrigin } from "../cors.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const VISITOR_COOKIE_DAYS = 365;
const VisitorMe = z.object({ visitorId: z.string(), csrfToken: z.string() });

/** Anonymous identities for people talking to published agents (share page, widget, apps). */
export function visitorRoutes({ credentials, chat, cookies, identity, access }: AppServices): RouteSpec[] {
  const cookieExpiry = () => new Date(Date.now() + VISITOR_COOKIE_DAYS * 24 * 60 * 60 * 1000);
  return [
    route({
      method: "POST", url: "/api/visitors", tag: "visitors",
      summary: "Start a visitor identity: sets the visitor cookie and returns the token (for Authorization: Bearer) once",
      auth: { allow: ["anyone"], rateLimit: "public" }, responses: { 201: VisitorSession },
      handler: async ({ request, reply }) => {
        const visitor = await credentials.createVisitor();
        setCredentialCookie({ reply, request, name: VISITOR_COOKIE, token: visitor.token, expires: cookieExpiry(), secure: cookies.secure });
        return { status: 201, body: visitor };
      },
    }),
    route({
      method: "POST", url: "/api/visitors/identify", tag: "visitors",
      summary: "Identify a signed-in user of an embedding site (userId signed with the agent's identity secret): the same visitor, and conversations, on every device",
      auth: { allow: ["anyone"], rateLimit: "public" }, body: IdentifyVisitor, responses: { 200: VisitorSession },
      guard: async ({ body, principal }) => access.publishedAgent(principal, body.agent),
      handler: async ({ body, resource: agent, request, reply }) => {
        const origin = crossSiteOrigin(request);
        if (origin !== undefined) await access.checkSite(agent, origin);
        const visitor = await identity.identify(body, agent);
        setCredentialCookie({ reply, request, name: VISITOR_COOKIE, token: visitor.token, expires: cookieExpiry(), secure: cookies.secure });
        return { status: 200, body: visitor };
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
