// Who is asking: a browser gets the HTML page, an API client gets problem+json.

export type Audience = "html" | "json";

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json$/;

/**
 * JSON when the Accept header ranks a JSON type above text/html, or when it
 * names no HTML at all and the request comes from a script (fetch/XHR from a
 * page sends Accept: * / * but Sec-Fetch-Dest: empty) or sends JSON itself.
 */
export function audienceOf(headers: Headers): Audience {
  const accept = headers.get("accept");
  if (accept) {
    let html = -1;
    let json = -1;
    for (const part of accept.split(",")) {
      const [type = "", ...params] = part.trim().toLowerCase().split(";");
      const q = qualityOf(params);
      if (q <= 0) continue; // q=0 means "not acceptable"
      if (type === "text/html" || type === "application/xhtml+xml") html = Math.max(html, q);
      else if (JSON_TYPE.test(type)) json = Math.max(json, q);
    }
    if (json > html) return "json";
    if (html >= 0) return "html";
  }
  if (headers.get("sec-fetch-dest") === "empty") return "json";
  if (headers.get("x-requested-with")?.toLowerCase() === "xmlhttprequest") return "json";
  if (JSON_TYPE.test(headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "")) return "json";
  return "html";
}

function qualityOf(params: string[]): number {
  for (const p of params) {
    const [k, val] = p.trim().split("=");
    if (k === "q") {
      const q = Number(val);
      return Number.isFinite(q) ? q : 0;
    }
  }
  return 1;
}
