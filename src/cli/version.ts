// The CLI's version, from package.json: put in by the build (scripts/build-cli.mjs).
declare const PITSTOP_VERSION: string | undefined;

export const VERSION: string = typeof PITSTOP_VERSION === "string" ? PITSTOP_VERSION : "0.0.0-dev";
