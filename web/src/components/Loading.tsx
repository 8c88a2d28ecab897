export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

/** A polite live region so screen readers hear what is loading. */
export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}
