import { ApiKeyList, ApiKeyUsage, CreateApiKey, CreatedApiKey, IdParams } from "../../contracts/index.js";
import { userOf } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

/** Keys are made and revoked by a signed-in person, never by another key (a leaked key cannot mint more). */
const PERSONAL: AuthRule = { allow: ["user"] };

export function keyRoutes({ credentials }: AppServices): RouteSpec[] {
  return [
    route({
      method: "GET", url: "/api/keys", tag: "keys", summary: "Your API keys, newest first (revoked ones included)",
      auth: PERSONAL, responses: { 200: ApiKeyList },
      handler: async ({ principal }) => ({ status: 200, body: { keys: await credentials.listApiKeys(userOf(principal).user.id) } }),
    }),
    route({
      method: "POST", url: "/api/keys", tag: "keys", summary: "Create an API key; its token is shown in this response only",
      auth: PERSONAL, body: CreateApiKey, responses: { 201: CreatedApiKey },
      handler: async ({ body, principal, request }) => ({
        status: 201,
        body: await credentials.createApiKey({
          userId: userOf(principal).user.id, name: body.name, scopes: body.scopes, agentIds: body.agentIds, expiresInDays: body.expiresInDays, ip: request.ip,
        }),
      }),
    }),
    route({
      method: "GET", url: "/api/keys/:id/usage", tag: "keys", summary: "What an API key used through /v1 over the last 30 days, per day and agent, newest first",
      auth: PERSONAL, params: IdParams, responses: { 200: ApiKeyUsage },
      handler: async ({ params, principal }) => ({ status: 200, body: await credentials.apiKeyUsage({ userId: userOf(principal).user.id, keyId: params.id }) }),
    }),
    route({
      method: "DELETE", url: "/api/keys/:id", tag: "keys", summary: "Revoke an API key; requests with it fail from now on",
      auth: PERSONAL, params: IdParams, responses: { 204: null },
      handler: async ({ params, principal, request }) => {
        await credentials.revokeApiKey({ userId: userOf(principal).user.id, keyId: params.id, ip: request.ip });
        return { status: 204 };
      },
    }),
  ];
}
