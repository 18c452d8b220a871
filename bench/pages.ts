// The HTML pages the bench's origin serves: the test origin's small page, and
// a large one (about 200 KiB, a product listing with a few thousand tags) so
// that the banner's cost per byte shows as well as its cost per page.
import { HTML_PAGE } from "../test/support/fixtures.ts";

export const SMALL_PAGE = HTML_PAGE;

function largePage(target: number): string {
  const head =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Catalogue</title>' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/s.css">' +
    "<script>window.dataLayer=window.dataLayer||[];</script></head>" +
    '<body class="catalogue"><header><h1>Hello from the origin</h1><nav><a href="/">Home</a> <a href="/search">Search</a></nav></header><main>';
  const tail = '</main><footer><p>Fresh food, delivered.</p></footer><script src="/app.js" defer></script></body></html>';
  const cards: string[] = [];
  let size = head.length + tail.length;
  for (let i = 0; size < target; i++) {
    const card =
      `<article class="card" data-id="${i}"><a href="/p/${i}"><img src="/img/${i}.jpg" alt="Product ${i}" width="240" height="160" loading="lazy"></a>` +
      `<h2><a href="/p/${i}">Product ${i}</a></h2><p class="price">&euro; ${(i % 97) + 0.99}</p>` +
      `<p>Organic, seasonal and delivered within the day. Ask about our weekly box &amp; save.</p></article>\n`;
    cards.push(card);
    size += card.length;
  }
  return head + cards.join("") + tail;
}

export const LARGE_PAGE = largePage(200 * 1024);
