import { useLocation, useNavigate } from "react-router";
import { AGENT_TEMPLATES, type AgentProfileInput } from "../../../src/contracts/index.js";
import { Button } from "../components/Button.js";
import { DescribeForm } from "./DescribeForm.js";
import { AgentEditor } from "./editor/AgentEditor.js";

/** Kept in the history entry, so Back returns to the choices and a reload keeps the draft. */
interface StartState {
  start: AgentProfileInput;
  source: string;
}

export function CreatePage() {
  const location = useLocation();
  const navigate = useNavigate();
  const state = startState(location.state);
  if (state) return <AgentEditor key={location.key} start={state.start} source={state.source} />;

  const open = (start: AgentProfileInput, source: string) => navigate("/agents/new", { state: { start, source } satisfies StartState });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Create an agent</h1>
          <p>Pick a starting point. You can review and change everything before anything is saved.</p>
        </div>
      </div>
      <DescribeForm onDraft={(draft) => open(draft, "your description")} />
      <section className="section" aria-labelledby="templates-title">
        <h2 id="templates-title">Or start from a template</h2>
        <ul className="card-grid">
          {AGENT_TEMPLATES.map((template) => (
            <li key={template.id}>
              <article className="card choice-card" aria-labelledby={`template-${template.id}`}>
                <h3 id={`template-${template.id}`}>{template.title}</h3>
                <p>{template.summary}</p>
                <Button onClick={() => open(template.profile, `the “${template.title}” template`)} aria-label={`Use this template: ${template.title}`}>
                  Use this template
                </Button>
              </article>
            </li>
          ))}
          <li>
            <article className="card choice-card" aria-labelledby="template-blank">
              <h3 id="template-blank">Blank agent</h3>
              <p>Start from an empty page and write every detail yourself.</p>
              <Button onClick={() => open({ name: "" }, "a blank page")}>Start blank</Button>
            </article>
          </li>
        </ul>
      </section>
    </>
  );
}

function startState(value: unknown): StartState | null {
  if (typeof value !== "object" || value === null || !("start" in value) || !("source" in value)) return null;
  const { start, source } = value as { start: unknown; source: unknown };
  if (typeof start !== "object" || start === null || typeof source !== "string") return null;
  return { start: start as AgentProfileInput, source };
}
