import { FORMAT_LABEL, type ImportReport } from "../home/import-state.js";

/** After an import: what the file was, what came across, and what could not. */
export function ImportNotice({ report, agentName }: { report: ImportReport; agentName: string }) {
  const extras = [
    report.versions > 1 ? `${report.versions} versions` : "",
    report.lorebookEntries > 0 ? `${report.lorebookEntries} lorebook ${report.lorebookEntries === 1 ? "entry" : "entries"}` : "",
    report.knowledgeSources > 0 ? `${report.knowledgeSources} knowledge ${report.knowledgeSources === 1 ? "document" : "documents"}` : "",
  ].filter(Boolean);
  return (
    <div className={`alert ${report.warnings.length > 0 ? "alert-warning" : "alert-info"}`} role="status">
      <p>
        <strong>Imported {agentName} from {report.fileName}</strong> ({FORMAT_LABEL[report.format]})
        {extras.length > 0 ? `, with ${extras.join(", ")}` : ""}. Check the profile below, then try it in the preview.
      </p>
      {report.warnings.length > 0 && (
        <>
          <p>Some things did not come across as they were:</p>
          <ul className="import-warnings">
            {report.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
