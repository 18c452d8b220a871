// Admin paths: which request paths are kept away from the origin (isAdminPath) — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { isAdminPath } from "../../src/core/admin-path";

describe("isAdminPath", () => {
  it.each([
    "/__maint", "/__maint/on", "/__MAINT/status", "/%5F_maint/status", "//__maint/status", "/__maint;x/status",
    "/x/..%2f__maint/status", "/x/..;y/__maint/status", "/__maint./status", "/__maint%00/on", "/__MAINT/on%ff",
  ])("keeps %s", (path) => {
    expect(isAdminPath(path, "/__maint")).toBe(true);
  });

  it.each(["/", "/__maintenance-notes", "/Docs/__maint.txt", "/x/__maint", "/__main", "/menu.", "/a/./b", "/ORDERS/42"])(
    "passes %s to the origin",
    (path) => {
      expect(isAdminPath(path, "/__maint")).toBe(false);
    },
  );

  it("follows a custom prefix", () => {
    expect(isAdminPath("/ops/pitstop/on", "/ops/pitstop")).toBe(true);
    expect(isAdminPath("/ops/pitstopx", "/ops/pitstop")).toBe(false);
  });
});
