import type { PublicAgent } from "../../../src/contracts/agent.js";
import { Avatar } from "../components/Avatar.js";
import { ThemeToggle } from "../components/ThemeToggle.js";

/** The agent's name, picture and introduction above the conversation. */
export function ShareHeader({ agent }: { agent: PublicAgent }) {
  return (
    <header className="share-header">
      <div className="share-header__row">
        <Avatar name={agent.name} src={agent.avatar} />
        <div className="share-header__text">
          <h1 className="share-header__name">{agent.name}</h1>
          {agent.tagline !== "" && <p className="share-header__tagline">{agent.tagline}</p>}
        </div>
        <ThemeToggle />
      </div>
      {agent.description !== "" && <p className="share-header__description">{agent.description}</p>}
    </header>
  );
}
