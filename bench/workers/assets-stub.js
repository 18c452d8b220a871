// Stand-in for the ASSETS binding: serves the page templates of assets/ from
// memory (embedded by the harness as files.json) and counts fetches, so the
// benchmark can show templates are fetched once per isolate, not per request.
import files from "./files.json";

let fetches = 0;

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counts") return Response.json({ fetches });
    fetches++;
    const body = files[url.pathname.slice(1)];
    if (body === undefined) return new Response("not found", { status: 404 });
    return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
  },
};
