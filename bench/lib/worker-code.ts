// The worker's own state-document builder and bypass signer, for seeding the
// benchmark with exactly what the worker writes and accepts. They are bundled
// with esbuild at run time, so Node can load them whatever src/ imports, and
// the Node type-check does not take in src/ (tsconfig.json checks it).
import { build } from "esbuild";
import { ROOT } from "../settings.ts";

export interface WorkerCode {
  emptyDoc(now: Date, updatedBy: string): Record<string, unknown>;
  signBypass(secret: string, claims: { purpose: "cookie"; site: string; exp: number; iat: number }): Promise<string>;
  /** The banner's markup for a document (src/banner/markup.ts), as the worker renders it. */
  renderBanner(content: { kind: "scheduled" | "read-only" | "notice"; doc: Record<string, unknown> }, extraCss: string | null): { html: string };
}

let loaded: Promise<WorkerCode> | undefined;

export function workerCode(): Promise<WorkerCode> {
  loaded ??= (async () => {
    const result = await build({
      stdin: {
        contents:
          'export { emptyDoc } from "./src/core/doc"; export { signBypass } from "./src/bypass/signing"; export { renderBanner } from "./src/banner/markup";',
        resolveDir: ROOT,
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "node",
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as WorkerCode;
  })();
  return loaded;
}
