import {
  AtelierError,
  type InstanceSettings,
  type InstanceSettingsPatch,
  type Invite,
  type SignupMode,
  type User,
  type UserRole,
} from "../../contracts/index.js";
import type { StoredUser } from "../../store/accounts.js";
import type { Store } from "../../store/store.js";
import { newId } from "../ids.js";
import type { AuditLog } from "./audit-log.js";
import { decoyPasswordHash, generatePassword, hashPassword, verifyPassword } from "./passwords.js";
import { csrfTokenFor, hashToken, newToken } from "./tokens.js";

const SIGNUP_MODE_KEY = "signup_mode";
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AccountsServiceOptions {
  store: Store;
  audit: AuditLog;
  /** From configuration; the stored setting (changed by an admin) wins. */
  defaultSignupMode: SignupMode;
  sessionTtlDays: number;
  now?: () => Date;
}

/** A new cookie session: the token goes into the cookie, never into a response body. */
export interface IssuedSession {
  user: User;
  token: string;
  csrfToken: string;
  expiresAt: string;
}

interface RequestMeta {
  ip: string | null;
}

/** Sign-up, sign-in, sessions, passwords and the admin's management of users and the instance. */
export class AccountsService {
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #options: AccountsServiceOptions;
  readonly #now: () => Date;

  constructor(options: AccountsServiceOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#audit = options.audit;
    this.#now = options.now ?? (() => new Date());
  }

  async settings(): Promise<InstanceSettings> {
    const stored = await this.#store.settings.get(SIGNUP_MODE_KEY);
    const signupMode = stored === "open" || stored === "invite" || stored === "closed" ? stored : this.#options.defaultSignupMode;
    return { signupMode };
  }

  async updateSettings(patch: InstanceSettingsPatch, actor: { userId: string; ip: string | null }): Promise<InstanceSettings> {
    if (patch.signupMode !== undefined) {
      await this.#store.settings.set({ key: SIGNUP_MODE_KEY, value: patch.signupMode, now: this.#iso() });
      await this.#audit.record({ userId: null, action: "instance.settings_changed", actor: actor.userId, ip: actor.ip, detail: { signupMode: patch.signupMode } });
    }
    return this.settings();
  }

  async status(): Promise<{ signupMode: SignupMode; needsFirstUser: boolean }> {
    const [{ signupMode }, users] = await Promise.all([this.settings(), this.#store.users.count()]);
    return { signupMode, needsFirstUser: users === 0 };
  }

  /** The first account is always allowed and becomes the admin; later ones follow the sign-up mode. */
  async signUp(input: { email: string; name: string; password: string; inviteToken?: string | undefined }, meta: RequestMeta): Promise<IssuedSession> {
    const now = this.#iso();
    if ((await this.#store.users.count()) > 0) {
      const { signupMode } = await this.settings();
      if (signupMode === "closed") throw new AtelierError("forbidden", "Sign-up is closed on this instance. Ask its admin to create an account for you.");
      if (signupMode === "invite") {
        if (!input.inviteToken) throw new AtelierError("forbidden", "Sign-up needs an invitation on this instance. Ask its admin for an invite link.");
        // Checked before the (slow) password hash, consumed after the email is known to be free.
        if (await this.#store.users.getByEmail(input.email)) throw emailTaken(input.email);
        const invite = await this.#store.invites.consume({ tokenHash: hashToken(input.inviteToken), email: input.email, now });
        if (!invite) throw new AtelierError("forbidden", "This invitation is not valid: it was used, it expired, or it is for another email. Ask for a new one.");
      }
    }
    const user = await this.#store.users.create({
      id: newId("usr"),
      email: input.email,
      name: input.name,
      role: "admin-if-first",
      passwordHash: await hashPassword(input.password),
      now,
    }).catch((error: unknown) => {
      throw AtelierError.is(error, "conflict") ? emailTaken(input.email) : error;
    });
    await this.#audit.record({ userId: user.id, action: "user.signed_up", actor: user.id, ip: meta.ip, detail: { role: user.role } });
    return this.#openSession(user);
  }

  /** The same answer, and about the same time, for an unknown email and a wrong password. */
  async logIn(input: { email: string; password: string }, meta: RequestMeta): Promise<IssuedSession> {
    const user = await this.#store.users.getByEmail(input.email);
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), input.password);
    if (!user || !valid) {
      if (user) await this.#audit.record({ userId: user.id, action: "user.login_failed", actor: null, ip: meta.ip });
      throw new AtelierError("unauthorized", "The email or the password is wrong.");
    }
    await this.#audit.record({ userId: user.id, action: "user.logged_in", actor: user.id, ip: meta.ip });
    return this.#openSession(publicUser(user));
  }

  async logOut(session: { sessionId: string; userId: string }, meta: RequestMeta): Promise<void> {
    await this.#store.sessions.delete(session.sessionId);
    await this.#audit.record({ userId: session.userId, action: "user.logged_out", actor: session.userId, ip: meta.ip });
  }

  /** Changing one's password signs out every other session. */
  async changePassword(input: { userId: string; sessionId: string | null; currentPassword: string; newPassword: string }, meta: RequestMeta): Promise<void> {
    const user = await this.#user(input.userId);
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new AtelierError("forbidden", "The current password is wrong.");
    }
    await this.#store.users.setPassword({ id: user.id, passwordHash: await hashPassword(input.newPassword), now: this.#iso() });
    await this.#store.sessions.deleteForUser(user.id, input.sessionId ? { exceptId: input.sessionId } : {});
    await this.#audit.record({ userId: user.id, action: "user.password_changed", actor: user.id, ip: meta.ip });
  }

  async verifyPassword(userId: string, password: string): Promise<void> {
    const user = await this.#user(userId);
    if (!(await verifyPassword(user.passwordHash, password))) throw new AtelierError("forbidden", "The password is wrong.");
  }

  /** Admin: sets (or generates) a user's password and signs them out everywhere. */
  async resetPassword(input: { userId: string; newPassword?: string | undefined }, actor: { userId: string; ip: string | null }): Promise<{ user: User; password?: string }> {
    const user = await this.#user(input.userId);
    const password = input.newPassword ?? generatePassword();
    await this.#store.users.setPassword({ id: user.id, passwordHash: await hashPassword(password), now: this.#iso() });
    await this.#store.sessions.deleteForUser(user.id);
    await this.#audit.record({ userId: user.id, action: "user.password_reset", actor: actor.userId, ip: actor.ip });
    return { user: publicUser(user), ...(input.newPassword === undefined ? { password } : {}) };
  }

  async createUser(input: { email: string; name: string; role: UserRole; password?: string | undefined }, actor: { userId: string; ip: string | null }): Promise<{ user: User; password?: string }> {
    const password = input.password ?? generatePassword();
    const user = await this.#store.users.create({
      id: newId("usr"), email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(password), now: this.#iso(),
    }).catch((error: unknown) => {
      throw AtelierError.is(error, "conflict") ? emailTaken(input.email) : error;
    });
    await this.#audit.record({ userId: user.id, action: "user.created", actor: actor.userId, ip: actor.ip, detail: { role: user.role } });
    await this.#audit.record({ userId: null, action: "user.created", actor: actor.userId, ip: actor.ip, target: { type: "user", id: user.id } });
    return { user, ...(input.password === undefined ? { password } : {}) };
  }

  listUsers(): Promise<User[]> {
    return this.#store.users.list();
  }

  /**
   * Deletes an account with everything in it. The last admin cannot leave while other users remain:
   * the instance would have nobody to manage it.
   */
  async deleteUser(input: { userId: string }, actor: { userId: string; ip: string | null }): Promise<void> {
    const user = await this.#user(input.userId);
    if (user.role === "admin" && (await this.#store.users.countAdmins()) === 1 && (await this.#store.users.count()) > 1) {
      throw new AtelierError("conflict", "This is the only admin account. Make another user an admin (atelier user create --role admin) before deleting it.");
    }
    await this.#store.users.delete(user.id);
    await this.#audit.record({ userId: null, action: "user.deleted", actor: actor.userId === user.id ? null : actor.userId, ip: actor.ip, target: { type: "user", id: user.id } });
  }

  async createInvite(input: { email?: string | undefined; expiresInDays: number }, actor: { userId: string; ip: string | null }): Promise<{ invite: Invite; token: string }> {
    const token = newToken("inv");
    const now = this.#now();
    const invite = await this.#store.invites.create({
      id: newId("inv"),
      createdBy: actor.userId,
      email: input.email ?? null,
      tokenHash: hashToken(token),
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString(),
    });
    await this.#audit.record({ userId: null, action: "invite.created", actor: actor.userId, ip: actor.ip, target: { type: "invite", id: invite.id } });
    return { invite, token };
  }

  listInvites(): Promise<Invite[]> {
    return this.#store.invites.list();
  }

  async #openSession(user: User): Promise<IssuedSession> {
    const token = newToken("ses");
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.#options.sessionTtlDays * DAY_MS).toISOString();
    await this.#store.sessions.create({ id: newId("ses"), userId: user.id, tokenHash: hashToken(token), now: now.toISOString(), expiresAt });
    return { user, token, csrfToken: csrfTokenFor(token), expiresAt };
  }

  async #user(id: string): Promise<StoredUser> {
    const user = await this.#store.users.get(id);
    if (!user) throw new AtelierError("not_found", `No user "${id}". List users with GET /api/admin/users.`);
    return user;
  }

  #iso(): string {
    return this.#now().toISOString();
  }
}

export function publicUser(user: StoredUser | User): User {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt, updatedAt: user.updatedAt };
}

function emailTaken(email: string): AtelierError {
  return new AtelierError("conflict", `An account with the email ${email} already exists. Sign in instead, or ask an admin to reset its password.`);
}
