import { useEffect, useState } from "react";
import { NavLink, useLocation } from "react-router";
import { api } from "../../api.js";

const CHANGED = "atelier:inbox-changed";
/** Counting stops here: past it the badge says "99+". */
const COUNT_LIMIT = 100;
const POLL_MS = 60_000;

/** Tells the navigation's unread badge to count again (the inbox page calls it when something changed). */
export function announceInboxChange(): void {
  window.dispatchEvent(new Event(CHANGED));
}

/**
 * "Inbox" in the main navigation, with how many conversations are unread. It counts on every page
 * change, when the inbox page says something changed, and once a minute; a failed count shows none.
 */
export function InboxNavLink() {
  const { pathname } = useLocation();
  const [unread, setUnread] = useState(0);
  const [nudge, setNudge] = useState(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Bursts of changes (a reply streaming in, several reads) are counted once.
    const onChange = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setNudge((n) => n + 1), 500);
    };
    const poll = setInterval(() => setNudge((n) => n + 1), POLL_MS);
    window.addEventListener(CHANGED, onChange);
    return () => {
      clearTimeout(timer);
      clearInterval(poll);
      window.removeEventListener(CHANGED, onChange);
    };
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    api.inbox({ unread: true, limit: COUNT_LIMIT }, { signal: controller.signal }).then(
      ({ conversations }) => setUnread(conversations.length),
      () => {
        if (!controller.signal.aborted) setUnread(0);
      },
    );
    return () => controller.abort();
  }, [pathname, nudge]);

  return (
    <NavLink to="/inbox">
      Inbox
      {unread > 0 && (
        <span className="nav-count">
          <span aria-hidden="true">{unread >= COUNT_LIMIT ? "99+" : unread}</span>
          <span className="visually-hidden">({unread >= COUNT_LIMIT ? "more than 99" : unread} unread)</span>
        </span>
      )}
    </NavLink>
  );
}
