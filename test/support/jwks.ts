// A real JWKS server on 127.0.0.1, as an identity provider (Cloudflare
// Access, Auth0, ...) publishes one: RS256 and ES256 public keys at
// /jwks.json. Tests sign tokens with the private halves. It can be told to
// fail (to prove the worker keeps the last good keys) and counts fetches (to
// prove the worker never fetches per request).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { webcrypto } from "node:crypto";

export interface JwtKeys {
  /** Private JWKs with kid and alg, ready for hono/jwt's sign(). */
  rs256: JsonWebKey & { kid: string; alg: string };
  es256: JsonWebKey & { kid: string; alg: string };
  /** A key pair the server never publishes: tokens signed with it are forgeries. */
  stranger: JsonWebKey & { kid: string; alg: string };
}

export interface JwksServer {
  url: string;
  keys: JwtKeys;
  close(): Promise<void>;
}

async function pair(alg: "RS256" | "ES256", kid: string) {
  const params = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  const { publicKey, privateKey } = (await webcrypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const pub = { ...(await webcrypto.subtle.exportKey("jwk", publicKey)), kid, alg, use: "sig" };
  const priv = { ...(await webcrypto.subtle.exportKey("jwk", privateKey)), kid, alg };
  return { pub, priv };
}

export async function startJwks(): Promise<JwksServer> {
  const rs = await pair("RS256", "rs-1");
  const es = await pair("ES256", "es-1");
  const stranger = await pair("RS256", "rs-1"); // same kid, other key: a forgery
  const state = { failing: false, fetches: 0 };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://jwks.local").pathname;
    if (path === "/jwks.json") {
      state.fetches++;
      if (state.failing) {
        res.writeHead(503, { "content-type": "text/plain" });
        return void res.end("identity provider down");
      }
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
      return void res.end(JSON.stringify({ keys: [rs.pub, es.pub] }));
    }
    if (path === "/control") {
      const q = new URL(req.url ?? "/", "http://jwks.local").searchParams;
      if (q.has("fail")) state.failing = q.get("fail") === "1";
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(state));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys: { rs256: rs.priv, es256: es.priv, stranger: stranger.priv },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
