import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AtelierError, ErrorCode } from "../contracts/index.js";
import { HTTP_STATUS, toErrorResponse } from "./errors.js";

describe("toErrorResponse", () => {
  it("maps every code to a status, client errors to 4xx", () => {
    for (const code of ErrorCode.options) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(toErrorResponse(new AtelierError("not_found", "No agent")).status).toBe(404);
    expect(toErrorResponse(new AtelierError("conflict", "taken")).status).toBe(409);
    expect(toErrorResponse(new AtelierError("context_overflow", "long")).status).toBe(422);
    expect(toErrorResponse(new AtelierError("engine_unavailable", "down")).status).toBe(503);
  });

  it("keeps validation issues", () => {
    const parsed = z.object({ name: z.string() }).safeParse({ name: 3 });
    const error = AtelierError.fromZod(parsed.error!, "agent");
    const { status, body } = toErrorResponse(error);
    expect(status).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues?.[0]?.path).toBe("name");
    expect(body.error.message).toMatch(/^Invalid agent: name:/);
  });

  it("maps framework body errors to 4xx", () => {
    const tooLarge = Object.assign(new Error("big"), { code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 });
    expect(toErrorResponse(tooLarge)).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
    const badJson = Object.assign(new SyntaxError("Unexpected token"), { statusCode: 400 });
    expect(toErrorResponse(badJson)).toMatchObject({ status: 400, body: { error: { code: "bad_request" } } });
  });

  it("never leaks internal details", () => {
    const { status, body, internal } = toErrorResponse(new Error("ENOENT: /secret/path/atelier.db"));
    expect(status).toBe(500);
    expect(internal).toBe(true);
    expect(JSON.stringify(body)).not.toContain("/secret");
  });
});
