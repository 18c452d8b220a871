// The CLI's --message flag: plain, or once per language with a prefix (fr="..."), and the CLI's language list kept equal to the worker's — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { LANGUAGES as CLI_LANGUAGES, mapMessage, messageLabel, messageText, parseMessageFlags } from "../../src/cli/message";
import { UsageError } from "../../src/cli/errors";
import { LANGUAGES } from "../../src/core/message";

describe("--message", () => {
  it("knows exactly the worker's languages", () => {
    expect([...CLI_LANGUAGES]).toEqual([...LANGUAGES]);
  });

  it("is nothing when not given, the text when given once", () => {
    expect(parseMessageFlags(undefined)).toBeUndefined();
    expect(parseMessageFlags([])).toBeUndefined();
    expect(parseMessageFlags(["Back at 23:00"])).toBe("Back at 23:00");
  });

  it("is one text per language with a language prefix, as the shell passes fr=\"Bientôt de retour\"", () => {
    expect(parseMessageFlags(["en=Back soon", "fr=Bientôt de retour", "CA=Tornem aviat"])).toEqual({ en: "Back soon", fr: "Bientôt de retour", ca: "Tornem aviat" });
    expect(parseMessageFlags(["de=a=b\nzweite Zeile"])).toEqual({ de: "a=b\nzweite Zeile" });
  });

  it("stays plain text when the prefix is not one of the worker's languages", () => {
    expect(parseMessageFlags(["no=way"])).toBe("no=way");
    expect(parseMessageFlags(["x=1"])).toBe("x=1");
    expect(parseMessageFlags(["mode=fast"])).toBe("mode=fast");
  });

  it("refuses two plain messages, a language twice, and plain mixed with languages", () => {
    expect(() => parseMessageFlags(["one", "two"])).toThrow(UsageError);
    expect(() => parseMessageFlags(["fr=un", "fr=deux"])).toThrow(/fr=\.\.\. is given twice/);
    expect(() => parseMessageFlags(["Back soon", "fr=Bientôt"])).toThrow(/one plain message, or one per language/);
  });

  it("fills guard's {} in every language, and reads back for people", () => {
    expect(mapMessage({ en: "Reindexing {}", fr: "Réindexation de {}" }, (t) => t.replaceAll("{}", "bob"))).toEqual({ en: "Reindexing bob", fr: "Réindexation de bob" });
    expect(mapMessage("Reindexing {}", (t) => t.replaceAll("{}", "bob"))).toBe("Reindexing bob");
    expect(messageLabel({ en: "Back", fr: "Retour" })).toBe('en: "Back", fr: "Retour"');
    expect(messageLabel("Back")).toBe('"Back"');
    expect(messageLabel(null)).toBeNull();
    expect(messageText({ en: "Back", fr: "Retour" })).toBe("en: Back | fr: Retour");
  });
});
