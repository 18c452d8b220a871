// Progress while waiting: a spinner redrawn in place on a TTY, plain lines
// every few seconds otherwise (CI logs, pipes), so logs stay readable.
import { formatElapsed } from "./time";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const LINE_EVERY_MS = 5_000;

export interface Progress {
  /** What is being waited for right now (shown next to the spinner). */
  update(detail: string): void;
  /** Clears the spinner; the caller prints the outcome. */
  stop(): void;
}

export function progress(stream: NodeJS.WriteStream, label: string): Progress {
  const started = Date.now();
  let detail = "";
  if (stream.isTTY) {
    let frame = 0;
    const draw = () => {
      const text = `${FRAMES[frame++ % FRAMES.length]} ${label} ${formatElapsed(Date.now() - started)}${detail ? ` (${detail})` : ""}`;
      stream.write(`\r\x1b[K${text.slice(0, Math.max(10, (stream.columns || 80) - 1))}`);
    };
    draw();
    const timer = setInterval(draw, 80);
    return {
      update: (d) => void (detail = d),
      stop: () => {
        clearInterval(timer);
        stream.write("\r\x1b[K");
      },
    };
  }
  stream.write(`• ${label}\n`);
  const timer = setInterval(() => {
    stream.write(`  … still waiting after ${formatElapsed(Date.now() - started)}${detail ? ` (${detail})` : ""}\n`);
  }, LINE_EVERY_MS);
  return {
    update: (d) => void (detail = d),
    stop: () => clearInterval(timer),
  };
}
