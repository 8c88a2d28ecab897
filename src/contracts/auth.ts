import { z } from "zod";

/** admin manages the instance; owner manages their own agents and data. Visitors are not users. */
export const UserRole = z.enum(["admin", "owner"]);
export type UserRole = z.infer<typeof UserRole>;

export const Email = z.string().trim().toLowerCase().max(254).email("enter an email address like ada@example.com");
export const Password = z.string()
  .min(10, "use at least 10 characters")
  .max(256, "use at most 256 characters");
const DisplayName = z.string().trim().min(1, "enter a name").max(100);

export const User = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: UserRole,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof User>;
export const UserList = z.object({ users: z.array(User) });
export type UserList = z.infer<typeof UserList>;

export const SignUp = z.object({
  email: Email,
  name: DisplayName,
  password: Password,
  /** Required when sign-up is invite-only (the first account never needs one). */
  inviteToken: z.string().min(1).max(200).optional(),
}).strict();
export type SignUp = z.infer<typeof SignUp>;

export const Login = z.object({ email: Email, password: z.string().min(1, "enter your password").max(256) }).strict();
export type Login = z.infer<typeof Login>;

/** The signed-in user. `csrfToken` goes in the X-CSRF-Token header of every cookie-authenticated write. */
export const SessionInfo = z.object({ user: User, csrfToken: z.string(), expiresAt: z.string() });

export type SessionInfo = z.infer<typeof SessionInfo>;

export const ChangePassword = z.object({ currentPassword: z.string().min(1).max(256), newPassword: Password }).strict();
export type ChangePassword = z.infer<typeof ChangePassword>;

/** Admin: set a user's password. Omit it to get a generated one back (shown once). */
export const ResetPassword = z.object({ newPassword: Password.optional() }).strict();
export type ResetPassword = z.infer<typeof ResetPassword>;
export const PasswordResetResult = z.object({ user: User, password: z.string().optional() });
export type PasswordResetResult = z.infer<typeof PasswordResetResult>;

export const CreateUser = z.object({ email: Email, name: DisplayName, role: UserRole.default("owner"), password: Password.optional() }).strict();
export type CreateUser = z.infer<typeof CreateUser>;
export const CreatedUser = z.object({ user: User, password: z.string().optional() });
export type CreatedUser = z.infer<typeof CreatedUser>;

/** Confirms a destructive account action with the password. */
export const ConfirmPassword = z.object({ password: z.string().min(1, "enter your password").max(256) }).strict();
export type ConfirmPassword = z.infer<typeof ConfirmPassword>;

/** What an API key may do. Keys never manage accounts, sessions or other keys. */
export const ApiKeyScope = z.enum([
  "agents:read",
  "agents:write",
  "conversations:read",
  "conversations:write",
  "account:export",
  "admin",
  /** Talk to agents through the OpenAI-compatible API under /v1. */
  "chat",
]);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const CreateApiKey = z.object({
  name: z.string().trim().min(1, "name the key after what uses it").max(100),
  scopes: z.array(ApiKeyScope).min(1, "give the key at least one scope").max(ApiKeyScope.options.length),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  /** The agents (ids or handles) the key may use through /v1; omitted: every agent of yours. */
  agentIds: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
}).strict();
export type CreateApiKey = z.infer<typeof CreateApiKey>;

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  /** The token's first characters, to tell keys apart; the token itself is never stored. */
  prefix: z.string(),
  scopes: z.array(ApiKeyScope),
  /** The agent ids the key may use through /v1; null: every agent of its owner. */
  agentIds: z.array(z.string()).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyList = z.object({ keys: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;
/** `token` is shown this once. */
export const CreatedApiKey = z.object({ key: ApiKey, token: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const SignupMode = z.enum(["open", "invite", "closed"]);
export type SignupMode = z.infer<typeof SignupMode>;
export const InstanceSettings = z.object({ signupMode: SignupMode });
export type InstanceSettings = z.infer<typeof InstanceSettings>;
export const InstanceSettingsPatch = z.object({ signupMode: SignupMode.optional() }).strict();
export type InstanceSettingsPatch = z.infer<typeof InstanceSettingsPatch>;
/** What anyone may know before signing in. */
export const AuthStatus = z.object({ signupMode: SignupMode, needsFirstUser: z.boolean() });
export type AuthStatus = z.infer<typeof AuthStatus>;

export const CreateInvite = z.object({
  email: Email.optional(),
  expiresInDays: z.number().int().min(1).max(90).default(7),
}).strict();
export type CreateInvite = z.infer<typeof CreateInvite>;
export const Invite = z.object({
  id: z.string(),
  email: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
});
export type Invite = z.infer<typeof Invite>;
export const CreatedInvite = z.object({ invite: Invite, token: z.string() });
export type CreatedInvite = z.infer<typeof CreatedInvite>;

/** Anonymous people talking to published agents. `token` authenticates them (Bearer or cookie). */
export const VisitorSession = z.object({ visitorId: z.string(), token: z.string(), csrfToken: z.string() });
export type VisitorSession = z.infer<typeof VisitorSession>;

export const AuditAction = z.enum([
  "user.signed_up",
  "user.created",
  "user.logged_in",
  "user.login_failed",
  "user.logged_out",
  "user.password_changed",
  "user.password_reset",
  "user.deleted",
  "api_key.created",
  "api_key.revoked",
  "agent.published",
  "agent.unpublished",
  "agent.deleted",
  "conversation.deleted",
  "conversation.taken_over",
  "conversation.handed_back",
  "webhook.created",
  "webhook.deleted",
  "account.exported",
  "instance.settings_changed",
  "invite.created",
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEvent = z.object({
  id: z.string(),
  action: AuditAction,
  /** Who did it: a user id, "visitor:<id>", "system", or null when unknown (a failed login). */
  actor: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  createdAt: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
export const AuditList = z.object({ events: z.array(AuditEvent) });
export type AuditList = z.infer<typeof AuditList>;

/** Who is calling: a cookie session (with its CSRF token) or an API key (with its scopes). */
export const WhoAmI = z.discriminatedUnion("via", [
  z.object({ via: z.literal("session"), user: User, csrfToken: z.string(), expiresAt: z.string() }),
  z.object({ via: z.literal("api_key"), user: User, keyId: z.string(), scopes: z.array(ApiKeyScope) }),
]);
export type WhoAmI = z.infer<typeof WhoAmI>;
