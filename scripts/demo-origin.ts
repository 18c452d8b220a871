// A tiny stand-in for "your site", so the quick start has something to protect.
import { createServer } from "node:http";

const PAGE = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ddd;margin-bottom:1.5rem}</style>
</head><body><header><h1>Demo Market</h1><nav><a href="/">Home</a> · <a href="/order">Order</a></nav></header>
${body}</body></html>`;

export async function startDemoOrigin(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://demo");
    if (url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.end("ok\n");
    }
    if (url.pathname === "/api/menu") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ dishes: ["Pho", "Falafel", "Pierogi"] }));
    }
    if (req.method === "POST") {
      req.resume();
      res.writeHead(303, { location: "/order?placed=1" });
      return void res.end();
    }
    if (url.pathname === "/order") {
      const placed = url.searchParams.has("placed") ? "<p><strong>Order placed. Thank you!</strong></p>" : "";
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(PAGE("Order", `${placed}<form method="post"><label>Dish <input name="dish" value="Pho"></label> <button>Order</button></form>`));
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(PAGE("Demo Market", "<p>Fresh food from local kitchens, delivered.</p><p>This page comes from the demo origin.</p>"));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
