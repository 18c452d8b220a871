import { env, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { inject, it, expect } from "vitest";
import worker from "../../src/index";

it("reaches the origin", async () => {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request("https://example.org/hello?x=1"), { ...env, ORIGIN_URL: inject("originUrl") } as any);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  console.log(await res.text(), await env.MAINTENANCE.get(["a", "b"], "text"));
});
