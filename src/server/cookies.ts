import type { FastifyReply, FastifyRequest } from "fastify";

export const SESSION_COOKIE = "atelier_session";
export const VISITOR_COOKIE = "atelier_visitor";

export type SecureCookies = "auto" | "always" | "never";

/** httpOnly (scripts cannot read it), SameSite=Lax (other sites' requests do not carry it), Secure over HTTPS. */
function options(request: FastifyRequest, secure: SecureCookies, expires: Date) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "lax" as const,
    secure: secure === "always" || (secure === "auto" && request.protocol === "https"),
    expires,
  };
}

export function setCredentialCookie(options_: { reply: FastifyReply; request: FastifyRequest; name: string; token: string; expires: Date; secure: SecureCookies }): void {
  const { reply, request, name, token, expires, secure } = options_;
  void reply.setCookie(name, token, options(request, secure, expires));
}

export function clearCredentialCookie(options_: { reply: FastifyReply; request: FastifyRequest; name: string; secure: SecureCookies }): void {
  const { reply, request, name, secure } = options_;
  void reply.clearCookie(name, options(request, secure, new Date(0)));
}
