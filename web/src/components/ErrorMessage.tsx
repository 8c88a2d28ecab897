import { errorText } from "./errors.js";
import { Button } from "./Button.js";

interface ErrorMessageProps {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}

/** An error in words a non-developer understands, with a retry when one makes sense. */
export function ErrorMessage({ error, title = "Something went wrong", onRetry }: ErrorMessageProps) {
  return (
    <div className="alert" role="alert">
      <p>
        <strong>{title}.</strong> {errorText(error)}
      </p>
      {onRetry && (
        <p>
          <Button small onClick={onRetry}>
            Try again
          </Button>
        </p>
      )}
    </div>
  );
}
