import type { Writable } from "node:stream";
import cliProgress from "cli-progress";
import { formatBytes } from "./format.js";

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

/** Averages speed over the last few seconds, so the ETA follows the network rather than the start-up burst. */
const SPEED_WINDOW_MS = 5_000;

/**
 * A progress bar for bytes on the move (a download, a backup): size, speed, ETA, on a terminal.
 * Elsewhere (logs, CI) a bar would be noise, so it prints a line every 10 percent instead.
 */
export class DownloadProgressBar {
  readonly #stream: Writable & { isTTY?: boolean };
  readonly #samples: { at: number; bytes: number }[] = [];
  #bar: cliProgress.SingleBar | undefined;
  #lastDecile = -1;
  #now: () => number;

  constructor(options: { stream: Writable & { isTTY?: boolean }; now?: () => number }) {
    this.#stream = options.stream;
    this.#now = options.now ?? Date.now;
  }

  update(progress: DownloadProgress): void {
    const at = this.#now();
    this.#samples.push({ at, bytes: progress.downloadedBytes });
    while (this.#samples.length > 2 && at - (this.#samples[0]?.at ?? at) > SPEED_WINDOW_MS) this.#samples.shift();
    const payload = {
      downloaded: formatBytes(progress.downloadedBytes),
      size: progress.totalBytes > 0 ? formatBytes(progress.totalBytes) : "?",
      speed: `${formatBytes(this.#bytesPerSecond())}/s`,
    };
    if (!this.#stream.isTTY) {
      this.#logDecile(progress, payload);
      return;
    }
    if (!this.#bar) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream as NodeJS.WritableStream,
          format: progress.totalBytes > 0
            ? " {bar} {percentage}% | {downloaded} / {size} | {speed} | ETA {eta_formatted}"
            : " {downloaded} | {speed}",
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(Math.max(progress.totalBytes, 1), progress.downloadedBytes, payload);
    }
    if (progress.totalBytes > 0) this.#bar.setTotal(progress.totalBytes);
    this.#bar.update(progress.downloadedBytes, payload);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }

  #bytesPerSecond(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at <= first.at) return 0;
    return Math.round(((last.bytes - first.bytes) / (last.at - first.at)) * 1000);
  }

  #logDecile(progress: DownloadProgress, payload: { downloaded: string; size: string; speed: string }): void {
    if (progress.totalBytes <= 0) return;
    const decile = Math.floor((progress.downloadedBytes / progress.totalBytes) * 10);
    if (decile <= this.#lastDecile) return;
    this.#lastDecile = decile;
    this.#stream.write(`${decile * 10}% · ${payload.downloaded} / ${payload.size} · ${payload.speed}\n`);
  }
}
