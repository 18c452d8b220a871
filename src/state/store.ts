// The KV copy of the state documents, as GET /status reads it to report its faults.
// (The coordinator writes the copy; state/source.ts reads it as the fallback.)
import { readStored, type SiteDocs } from "../core/doc";
import { docKey } from "./keys";

/** A site's own document and the `*` document, in one KV operation. */
export async function readSite(kv: KVNamespace, site: string): Promise<SiteDocs> {
  if (site === "*") {
    const star = readStored(await kv.get(docKey("*"), "text"));
    return { own: star, star };
  }
  const ownKey = docKey(site);
  const starKey = docKey("*");
  const values = await kv.get([ownKey, starKey], "text");
  return { own: readStored(values.get(ownKey) ?? null), star: readStored(values.get(starKey) ?? null) };
}
