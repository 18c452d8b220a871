// Just enough of wrangler.toml for the benchmark: compatibility settings and
// [vars] (string values). The benchmark runs the bundle with the same ones.
import { readFileSync } from "node:fs";

export interface WranglerSettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

function unquote(raw: string): string | null {
  const v = raw.trim();
  if (v.startsWith('"') && v.endsWith('"')) return JSON.parse(v) as string;
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return null;
}

export function readWranglerToml(path: string): WranglerSettings {
  const out: WranglerSettings = { compatibilityDate: "", compatibilityFlags: [], vars: {} };
  let section = "";
  for (const rawLine of readFileSync(path, "utf8").split("\n")) {
    const line = rawLine.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (section === "") {
      if (key === "compatibility_date") out.compatibilityDate = unquote(value) ?? "";
      if (key === "compatibility_flags") out.compatibilityFlags = JSON.parse(value.replace(/'/g, '"')) as string[];
    } else if (section === "vars") {
      const s = unquote(value);
      if (s !== null) out.vars[key] = s;
    }
  }
  if (!out.compatibilityDate) throw new Error(`${path}: no compatibility_date`);
  return out;
}
