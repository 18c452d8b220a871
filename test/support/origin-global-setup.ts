// Starts the real HTTP origin (test/support/origin.ts) in Node before the
// worker tests, and hands its address to them through vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startOrigin } from "./origin.ts";

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const origin = await startOrigin();
  project.provide("originUrl", origin.url);
  return () => origin.close();
}
