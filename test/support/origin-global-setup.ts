// Starts the real HTTP origin (test/support/origin.ts) and a real JWKS server
// (test/support/jwks.ts) in Node before the worker tests, and hands their
// addresses and the signing keys to them through vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startJwks, type JwtKeys } from "./jwks.ts";
import { startOrigin } from "./origin.ts";

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    jwksUrl: string;
    jwtKeys: JwtKeys;
  }
}

export default async function setup(project: TestProject) {
  const origin = await startOrigin();
  const jwks = await startJwks();
  project.provide("originUrl", origin.url);
  project.provide("jwksUrl", jwks.url);
  project.provide("jwtKeys", jwks.keys);
  return async () => {
    await origin.close();
    await jwks.close();
  };
}
