import { useCallback, useState } from "react";
import { useSearchParams } from "react-router";
import { type Agent } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { AgentSubPage, AgentSubPageHeader } from "../AgentSubPage.js";
import { useAsync } from "../useAsync.js";
import { PeopleList } from "./PeopleList.js";
import { PersonMemories } from "./PersonMemories.js";
import "./memory.css";

/** /agents/:agentId/memory: what the agent remembers about each person it talks to. */
export function MemoryPage() {
  return <AgentSubPage>{(agent) => <MemoryManager key={agent.id} agent={agent} />}</AgentSubPage>;
}

function MemoryManager({ agent }: { agent: Agent }) {
  const [people, reload, setPeople] = useAsync(() => api.people(agent.id).then((result) => result.people), [agent.id]);
  const [params, setParams] = useSearchParams();
  const [announcement, setAnnouncement] = useState("");
  const list = people.status === "done" ? people.value : [];
  const selectedId = params.get("person") ?? list[0]?.participantId ?? null;
  const selected = list.find((person) => person.participantId === selectedId) ?? null;

  const onCount = useCallback(
    (count: number) => {
      if (people.status !== "done" || !selected || selected.memoryCount === count) return;
      setPeople(people.value.map((person) => (person.participantId === selected.participantId ? { ...person, memoryCount: count } : person)));
    },
    [people, selected, setPeople],
  );

  return (
    <>
      <AgentSubPageHeader agent={agent} title={`Memory of ${agent.name}`} description={`What ${agent.name} remembers about each person it talks to.`} />
      {people.status === "loading" && <Loading label="Loading the people…" />}
      {people.status === "error" && <ErrorMessage error={people.error} title="The people could not be loaded" onRetry={reload} />}
      {people.status === "done" && list.length === 0 && <EmptyMemory agentName={agent.name} />}
      {people.status === "done" && list.length > 0 && (
        <div className="memory-layout">
          <section className="card" aria-labelledby="memory-people-title">
            <h2 id="memory-people-title">People</h2>
            <PeopleList people={list} selected={selected?.participantId ?? null}
              onSelect={(participantId) => setParams({ person: participantId }, { replace: true })} />
          </section>
          {selected && (
            <PersonMemories key={selected.participantId} agentId={agent.id} agentName={agent.name} person={selected} onCount={onCount}
              onAnnounce={setAnnouncement} />
          )}
        </div>
      )}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
    </>
  );
}

function EmptyMemory({ agentName }: { agentName: string }) {
  return (
    <div className="empty-state card">
      <h2>{agentName} remembers no one yet</h2>
      <p>
        After each reply, {agentName} notes lasting facts about the person it is talking to: their name, what they like, what
        they asked for. Those memories come back in that person's later conversations, and only theirs: no one else's
        conversation can reach them.
      </p>
      <p>
        People appear here once {agentName} has noted something about them. You can correct or delete any memory, and visitors can
        ask “what do you remember about me?” or clear their memories on the share page.
      </p>
    </div>
  );
}
