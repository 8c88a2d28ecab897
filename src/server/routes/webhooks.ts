import { z } from "zod";
import { CreatedWebhook, CreateWebhook, IdParams, Webhook, WebhookDelivery, WebhookDeliveryList, WebhookList, WebhookPatch } from "../../contracts/index.js";
import { userOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

/**
 * A signed-in person only, never an API key: a webhook sends every conversation with the owner's
 * agents to a URL of the caller's choosing, so a leaked key must not be able to set one up quietly.
 */
const PERSONAL: AuthRule = { allow: ["user"] };

const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export function webhookRoutes({ webhooks }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => webhooks.own(userOf(principal).user.id, params.id);
  const actor = (principal: Principal, ip: string) => ({ userId: userOf(principal).user.id, ip });
  return [
    route({
      method: "GET", url: "/api/webhooks", tag: "webhooks", summary: "Your webhooks, oldest first",
      auth: PERSONAL, responses: { 200: WebhookList },
      handler: async ({ principal }) => ({ status: 200, body: { webhooks: await webhooks.list(userOf(principal).user.id) } }),
    }),
    route({
      method: "POST", url: "/api/webhooks", tag: "webhooks",
      summary: "Register a URL for signed events; the signing secret is shown in this response only",
      auth: PERSONAL, body: CreateWebhook, responses: { 201: CreatedWebhook },
      handler: async ({ body, principal, request }) => ({ status: 201, body: await webhooks.create(actor(principal, request.ip), body) }),
    }),
    route({
      method: "PATCH", url: "/api/webhooks/:id", tag: "webhooks", summary: "Change a webhook's URL, events or description, or turn it on or off",
      auth: PERSONAL, params: IdParams, body: WebhookPatch, guard: own, responses: { 200: Webhook },
      handler: async ({ resource, body }) => ({ status: 200, body: await webhooks.update(resource, body) }),
    }),
    route({
      method: "DELETE", url: "/api/webhooks/:id", tag: "webhooks", summary: "Delete a webhook and its delivery history; nothing more is sent",
      auth: PERSONAL, params: IdParams, guard: own, responses: { 204: null },
      handler: async ({ resource, principal, request }) => {
        await webhooks.delete(actor(principal, request.ip), resource);
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/webhooks/:id/rotate-secret", tag: "webhooks",
      summary: "Replace the signing secret; the new one is shown in this response only and signs every attempt from now on",
      auth: PERSONAL, params: IdParams, guard: own, responses: { 200: CreatedWebhook },
      handler: async ({ resource }) => ({ status: 200, body: await webhooks.rotateSecret(resource) }),
    }),
    route({
      method: "POST", url: "/api/webhooks/:id/test", tag: "webhooks", summary: "Queue a signed webhook.test delivery to this URL",
      auth: PERSONAL, params: IdParams, guard: own, responses: { 202: WebhookDelivery },
      handler: async ({ resource }) => ({ status: 202, body: await webhooks.test(resource) }),
    }),
    route({
      method: "GET", url: "/api/webhooks/:id/deliveries", tag: "webhooks", summary: "The webhook's recent deliveries, newest first",
      auth: PERSONAL, params: IdParams, query: DeliveriesQuery, guard: own, responses: { 200: WebhookDeliveryList },
      handler: async ({ resource, query }) => ({ status: 200, body: { deliveries: await webhooks.deliveries(resource, query.limit) } }),
    }),
  ];
}
