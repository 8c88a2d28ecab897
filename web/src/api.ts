import { AtelierClient } from "../../src/client/index.js";

/**
 * The one client the studio talks through. Cookies carry the session (same origin); the session's
 * CSRF token is set on it after sign-in (see session.tsx).
 */
export const api = new AtelierClient({ baseUrl: window.location.origin });
