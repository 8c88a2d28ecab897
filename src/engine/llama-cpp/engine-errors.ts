import { DisposedError, InsufficientMemoryError, NoBinaryFoundError } from "node-llama-cpp";
import { AtelierError } from "../../contracts/index.js";

export function disposedError(modelId: string): AtelierError {
  return new AtelierError(
    "disposed",
    `The llama.cpp engine for ${modelId} has been disposed (the model was unloaded or the server is shutting down). ` +
      "Load the model again to keep chatting.",
  );
}

/** Turns anything node-llama-cpp throws into an AtelierError that tells the user what happened. */
export function toEngineError(error: unknown, context: { modelId: string; doing: string }): AtelierError {
  if (error instanceof AtelierError) return error;
  if (error instanceof DisposedError) return disposedError(context.modelId);
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof InsufficientMemoryError) {
    return new AtelierError(
      "engine_unavailable",
      `Not enough memory while ${context.doing} (${context.modelId}): ${detail}. ` +
        "Use a smaller model or quantisation, or lower ATELIER_CONTEXT_SIZE or ATELIER_SEQUENCES.",
      { cause: error },
    );
  }
  if (error instanceof NoBinaryFoundError) {
    return new AtelierError(
      "engine_unavailable",
      `No usable llama.cpp build was found while ${context.doing}: ${detail}. ` +
        "Set ATELIER_GPU=off to use the CPU build, or build one with `npx --no node-llama-cpp source build`.",
      { cause: error },
    );
  }
  return new AtelierError("engine_error", `llama.cpp failed while ${context.doing} (${context.modelId}): ${detail}`, {
    cause: error,
  });
}
