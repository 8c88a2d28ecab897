import {
  AuditList,
  CreatedInvite,
  CreatedUser,
  CreateInvite,
  CreateUser,
  IdParams,
  InstanceSettings,
  InstanceSettingsPatch,
  Invite,
  Page,
  PasswordResetResult,
  ResetPassword,
  UserList,
} from "../../contracts/index.js";
import { userOf } from "../../runtime/auth/principal.js";
import { z } from "zod";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const ADMIN: AuthRule = { allow: ["admin"], scope: "admin" };
const InviteList = z.object({ invites: z.array(Invite) });

/** Instance management. Admins manage accounts; they do not see other owners' agents or conversations. */
export function adminRoutes({ accounts, chat, store }: AppServices): RouteSpec[] {
  const actor = (principal: Parameters<typeof userOf>[0], ip: string) => ({ userId: userOf(principal).user.id, ip });
  return [
    route({
      method: "GET", url: "/api/admin/users", tag: "admin", summary: "Every account, oldest first",
      auth: ADMIN, responses: { 200: UserList },
      handler: async () => ({ status: 200, body: { users: await accounts.listUsers() } }),
    }),
    route({
      method: "POST", url: "/api/admin/users", tag: "admin", summary: "Create an account; without a password, a generated one is returned once",
      auth: ADMIN, body: CreateUser, responses: { 201: CreatedUser },
      handler: async ({ body, principal, request }) => ({ status: 201, body: await accounts.createUser(body, actor(principal, request.ip)) }),
    }),
    route({
      method: "POST", url: "/api/admin/users/:id/password", tag: "admin",
      summary: "Reset a user's password (generated when not given) and sign them out everywhere",
      auth: ADMIN, params: IdParams, body: ResetPassword, responses: { 200: PasswordResetResult },
      handler: async ({ params, body, principal, request }) => ({
        status: 200,
        body: await accounts.resetPassword({ userId: params.id, newPassword: body.newPassword }, actor(principal, request.ip)),
      }),
    }),
    route({
      method: "DELETE", url: "/api/admin/users/:id", tag: "admin", summary: "Delete an account with everything in it",
      auth: ADMIN, params: IdParams, responses: { 204: null },
      handler: async ({ params, principal, request }) => {
        await chat.stopReplies({ ownerId: params.id }, "The account was deleted.");
        await accounts.deleteUser({ userId: params.id }, actor(principal, request.ip));
        return { status: 204 };
      },
    }),
    route({
      method: "GET", url: "/api/admin/settings", tag: "admin", summary: "Instance settings",
      auth: ADMIN, responses: { 200: InstanceSettings },
      handler: async () => ({ status: 200, body: await accounts.settings() }),
    }),
    route({
      method: "PATCH", url: "/api/admin/settings", tag: "admin", summary: "Change instance settings (sign-up: open, invite or closed)",
      auth: ADMIN, body: InstanceSettingsPatch, responses: { 200: InstanceSettings },
      handler: async ({ body, principal, request }) => ({ status: 200, body: await accounts.updateSettings(body, actor(principal, request.ip)) }),
    }),
    route({
      method: "GET", url: "/api/admin/invites", tag: "admin", summary: "Invitations, newest first",
      auth: ADMIN, responses: { 200: InviteList },
      handler: async () => ({ status: 200, body: { invites: await accounts.listInvites() } }),
    }),
    route({
      method: "POST", url: "/api/admin/invites", tag: "admin", summary: "Invite someone; the token (for sign-up) is shown once",
      auth: ADMIN, body: CreateInvite, responses: { 201: CreatedInvite },
      handler: async ({ body, principal, request }) => ({ status: 201, body: await accounts.createInvite(body, actor(principal, request.ip)) }),
    }),
    route({
      method: "GET", url: "/api/admin/audit", tag: "admin", summary: "Instance-level security events (accounts created and deleted, settings), newest first",
      auth: ADMIN, query: Page, responses: { 200: AuditList },
      handler: async ({ query }) => ({
        status: 200,
        body: { events: await store.audit.list({ userId: null, limit: query.limit, ...(query.before ? { before: query.before } : {}) }) },
      }),
    }),
  ];
}
