// The site a request is for. One hostname can be written several ways
// ("Shop.Example", "shop.example.", "shop.example.:443"); all of them must be
// the same site, or a spelling could walk past that site's maintenance.

/** Lower case, without the port (URL.hostname has none) and without the root's trailing dot. */
export function siteKey(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith(".") ? lower.replace(/\.+$/, "") : lower;
}
