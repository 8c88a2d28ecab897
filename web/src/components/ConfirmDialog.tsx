import type { ReactNode } from "react";
import { Button } from "./Button.js";
import { Dialog } from "./Dialog.js";
import { ErrorMessage } from "./ErrorMessage.js";

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Destructive actions get a red button. */
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, danger, busy, error, onConfirm, onCancel } = props;
  return (
    <Dialog open={open} title={title} onClose={onCancel}>
      {children}
      {error !== undefined && error !== null && <ErrorMessage error={error} title="That did not work" />}
      <div className="dialog-actions">
        {/* Cancel comes first so it gets the initial focus: the safe choice. */}
        <Button onClick={onCancel} autoFocus>
          Cancel
        </Button>
        <Button variant={danger ? "danger-solid" : "primary"} busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
