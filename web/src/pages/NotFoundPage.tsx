import { ButtonLink } from "../components/Button.js";

export function NotFoundPage() {
  return (
    <div className="empty-state">
      <h1>This page does not exist</h1>
      <p>The link may be old, or the agent was deleted.</p>
      <ButtonLink to="/" variant="primary">
        Back to your agents
      </ButtonLink>
    </div>
  );
}
