import type { RememberedPerson } from "../../../../src/contracts/index.js";
import { formatDate, memoryCount } from "./format.js";

interface PeopleListProps {
  people: readonly RememberedPerson[];
  selected: string | null;
  onSelect: (participantId: string) => void;
}

/** Everyone the agent remembers something about, most recently updated first. */
export function PeopleList({ people, selected, onSelect }: PeopleListProps) {
  return (
    <ul className="memory-people" aria-label="People">
      {people.map((person) => (
        <li key={person.participantId}>
          <button type="button" className="memory-person" aria-pressed={person.participantId === selected}
            onClick={() => onSelect(person.participantId)}>
            <span className="memory-person__label">{person.label}</span>
            <span className="memory-person__meta">
              {person.kind === "user" ? "Account" : "Visitor"} · {memoryCount(person.memoryCount)} · updated {formatDate(person.updatedAt)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
