import type { Bindings } from "../../src/config";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
  }
}
