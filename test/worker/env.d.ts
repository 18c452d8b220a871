import type { Bindings } from "../../src/config";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    jwksUrl: string;
    jwtKeys: {
      rs256: JsonWebKey & { kid: string; alg: string };
      es256: JsonWebKey & { kid: string; alg: string };
      stranger: JsonWebKey & { kid: string; alg: string };
    };
  }
}
