// In-memory stand-in for the MAINTENANCE KV namespace, for raw `workerd serve`
// (which has no local KV store). workerd's kvNamespace binding turns each call
// into an HTTP request to this service:
//   get(key)          GET    https://fake-host/<key>?urlencoded=true  (404 = null)
//   get([k1, k2])     POST   https://fake-host/bulk/get  {"keys":[...],"type":"text"}
//                            answered with {"k1": "value" | null, ...}
//   put(key, value)   PUT    https://fake-host/<key>?urlencoded=true
//   delete(key)       DELETE https://fake-host/<key>?urlencoded=true
//   list({prefix})    GET    https://fake-host/?prefix=...
// Each Pitstop instance of the benchmark binds this service with its own
// ctx.props.scenario, so every scenario has its own store and its own counts.
// The harness reads the counts (and may change a store) over /__bench/.
import seed from "./seed.json";

/** scenario -> key -> value */
const stores = new Map();
for (const [scenario, docs] of Object.entries(seed)) stores.set(scenario, new Map(Object.entries(docs)));

/** scenario -> { reads: operations, keys: keys read, writes, lists } */
const counts = new Map();

function storeOf(scenario) {
  let s = stores.get(scenario);
  if (!s) stores.set(scenario, (s = new Map()));
  return s;
}

function count(scenario, field, n = 1) {
  let c = counts.get(scenario);
  if (!c) counts.set(scenario, (c = { reads: 0, keys: 0, writes: 0, lists: 0 }));
  c[field] += n;
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

async function control(url, request) {
  // GET /__bench/counts                  every scenario's counts
  // GET /__bench/dump                    every store: scenario -> key -> value (the soak
  //                                      restarts this process with it, as KV keeps its data)
  // PUT /__bench/store/<scenario>/<key>  set a value (body = value)
  const parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
  if (parts[0] === "counts") return json(Object.fromEntries(counts));
  if (parts[0] === "dump") return json(Object.fromEntries([...stores].map(([scenario, store]) => [scenario, Object.fromEntries(store)])));
  if (parts[0] === "store" && parts.length === 3 && request.method === "PUT") {
    storeOf(parts[1]).set(parts[2], await request.text());
    return json({ ok: true });
  }
  return json({ error: "unknown control path" }, 404);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/")) return control(url, request);
    const scenario = ctx.props?.scenario ?? "default";
    const store = storeOf(scenario);

    if (url.pathname === "/bulk/get" && request.method === "POST") {
      const body = await request.json();
      const out = {};
      for (const key of body.keys) out[key] = store.get(key) ?? null;
      count(scenario, "reads");
      count(scenario, "keys", body.keys.length);
      if (body.type === "json") for (const key of body.keys) out[key] = out[key] === null ? null : JSON.parse(out[key]);
      return json(out);
    }
    if (url.pathname === "/") {
      const prefix = url.searchParams.get("prefix") ?? "";
      count(scenario, "lists");
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix)).sort().map((name) => ({ name }));
      return json({ keys, list_complete: true });
    }
    const key = decodeURIComponent(url.pathname.slice(1));
    switch (request.method) {
      case "GET": {
        count(scenario, "reads");
        count(scenario, "keys");
        const value = store.get(key);
        return value === undefined ? new Response(null, { status: 404 }) : new Response(value);
      }
      case "PUT":
        count(scenario, "writes");
        store.set(key, await request.text());
        return new Response(null, { status: 200 });
      case "DELETE":
        count(scenario, "writes");
        store.delete(key);
        return new Response(null, { status: 200 });
    }
    return new Response(null, { status: 405 });
  },
};
