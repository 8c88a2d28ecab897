import type { ButtonHTMLAttributes, ReactNode } from "react";
import { Link, type LinkProps } from "react-router";
import { Spinner } from "./Loading.js";

export type ButtonVariant = "primary" | "secondary" | "danger" | "danger-solid" | "ghost";

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  small?: boolean;
  /** Shows a spinner and disables the button while an action runs. */
  busy?: boolean;
  children: ReactNode;
}

export function buttonClass(variant: ButtonVariant = "secondary", small = false): string {
  return ["btn", variant === "secondary" ? "" : `btn-${variant}`, small ? "btn-small" : ""].filter(Boolean).join(" ");
}

export function Button({ variant, small, busy = false, children, disabled, type = "button", ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} className={buttonClass(variant, small)} disabled={disabled || busy} aria-busy={busy || undefined}>
      {busy && <Spinner />}
      {children}
    </button>
  );
}

/** A router link that looks like a button (navigation stays a link for assistive technology). */
export function ButtonLink({ variant, small, ...rest }: LinkProps & { variant?: ButtonVariant; small?: boolean }) {
  return <Link {...rest} className={buttonClass(variant, small)} />;
}
