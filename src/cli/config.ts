// Where the worker is and how to prove who we are: flags first, then the
// environment. The token never has to appear on the command line.
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { UsageError } from "./errors";

export interface ConnectionFlags {
  url?: string;
  tokenFile?: string;
  token?: string;
  insecureTokenFlag?: boolean;
  prefix?: string;
}

export interface Connection {
  /** The worker's origin, e.g. https://example.org (no trailing slash). */
  origin: string;
  /** The admin prefix, e.g. /__maint. */
  prefix: string;
  token: string;
  /** Who the audit log names: user@host. */
  actor: string;
  /** True for plain http to a host other than this machine. */
  insecureTransport: boolean;
}

export const DEFAULT_PREFIX = "/__maint";

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const rawUrl = flags.url ?? env.PITSTOP_URL;
  if (!rawUrl) {
    throw new UsageError("no worker URL: set PITSTOP_URL or pass --url", [
      "Example: export PITSTOP_URL=https://example.org",
    ]);
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`the worker URL "${rawUrl}" is not a URL (expected something like https://example.org)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`the worker URL must start with https:// or http:// (got "${rawUrl}")`);
  }
  let prefix = flags.prefix ?? env.PITSTOP_PREFIX ?? DEFAULT_PREFIX;
  if (!prefix.startsWith("/")) prefix = `/${prefix}`;
  prefix = prefix.replace(/\/+$/, "");
  // PITSTOP_URL may be given with the admin prefix already on it; accept both.
  const path = url.pathname.replace(/\/+$/, "");
  if (path !== "" && path !== prefix) {
    throw new UsageError(`the worker URL should be the site's address without a path (got "${rawUrl}")`);
  }

  return {
    origin: url.origin,
    prefix,
    token: resolveToken(flags, env),
    actor: actor(),
    insecureTransport: url.protocol === "http:" && !isLoopback(url.hostname),
  };
}

function resolveToken(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string {
  if (flags.token !== undefined) {
    if (!flags.insecureTokenFlag) {
      throw new UsageError(
        "--token is refused: a token on the command line lands in shell history and is visible to every user in `ps`",
        [
          "Use PITSTOP_TOKEN (export PITSTOP_TOKEN=...) or --token-file FILE instead.",
          "If you really mean it, add --insecure-token-flag.",
        ],
      );
    }
    return checkToken(flags.token, "--token");
  }
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      throw new UsageError(`cannot read the token file ${flags.tokenFile}${code ? ` (${code})` : ""}`);
    }
    return checkToken(text.split(/\r?\n/)[0]?.trim() ?? "", `the token file ${flags.tokenFile}`);
  }
  if (env.PITSTOP_TOKEN !== undefined && env.PITSTOP_TOKEN.trim() !== "") return checkToken(env.PITSTOP_TOKEN.trim(), "PITSTOP_TOKEN");
  throw new UsageError("no admin token: set PITSTOP_TOKEN or pass --token-file FILE", [
    "The token is the worker's ADMIN_TOKEN secret (npx wrangler secret put ADMIN_TOKEN).",
  ]);
}

function checkToken(token: string, where: string): string {
  if (token === "") throw new UsageError(`${where} is empty`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError(`${where} contains spaces or characters a bearer token cannot have`);
  return token;
}

function actor(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? "";
  try {
    user = userInfo().username || user;
  } catch {
    // no passwd entry (some containers): keep the environment's idea
  }
  return `${user || "unknown"}@${hostname()}`;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\./.test(host);
}
