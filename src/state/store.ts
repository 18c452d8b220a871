// The state documents in KV: read a site (its own document and `*` together),
// read or write one scope, list the scopes that have one.
import { readStored, type DocRead, type SiteDocs, type StateDoc } from "../core/doc";
import { DOC_PREFIX, docKey, scopeOfDocKey } from "./keys";

/** A site's own document and the `*` document, in one KV operation. */
export async function readSite(kv: KVNamespace, site: string): Promise<SiteDocs> {
  if (site === "*") {
    const star = await readScope(kv, "*");
    return { own: star, star };
  }
  const ownKey = docKey(site);
  const starKey = docKey("*");
  const values = await kv.get([ownKey, starKey], "text");
  return { own: readStored(values.get(ownKey) ?? null), star: readStored(values.get(starKey) ?? null) };
}

export async function readScope(kv: KVNamespace, scope: string): Promise<DocRead> {
  return readStored(await kv.get(docKey(scope), "text"));
}

export async function writeDoc(kv: KVNamespace, scope: string, doc: StateDoc): Promise<void> {
  await kv.put(docKey(scope), JSON.stringify(doc));
}

/** Every scope with a stored document, page by page. */
export async function* listScopes(kv: KVNamespace): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: DOC_PREFIX, cursor });
    for (const { name } of page.keys) yield scopeOfDocKey(name);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
