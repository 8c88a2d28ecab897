import { readdir, stat } from "node:fs/promises";
import path from "node:path";

export interface ModelFile {
  path: string;
  /** The path inside the models directory: what an agent's model setting names. */
  name: string;
  bytes: number;
  modifiedAt: string;
}

/**
 * GGUF files under `dir`, in subfolders too (hf: downloads may keep the repository's folders).
 */
export async function listGgufFiles(dir: string): Promise<ModelFile[]> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files: ModelFile[] = [];
  for (const name of names.filter((entry) => entry.toLowerCase().endsWith(".gguf")).sort()) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) {
      files.push({ path: path.join(dir, name), name: name.split(path.sep).join("/"), bytes: info.size, modifiedAt: info.mtime.toISOString() });
    }
  }
  return files;
}
