// The `pitstop` command line: noun, then verb (pitstop bypass revoke), as in
// wrangler. Built to dist/pitstop.mjs by scripts/build-cli.mjs; see docs/cli.md.
import { Command, CommanderError, Option, type OptionValues } from "commander";
import * as commands from "./commands";
import { EXIT, UsageError } from "./errors";
import { printer, reportError } from "./format";
import { guard } from "./guard";
import { guardRule } from "./guard-rule";
import { collect, LANGUAGES, parseMessageFlags } from "./message";
import * as rules from "./rules";
import { VERSION } from "./version";

const CONNECTION_HELP = `
Connection (every command):
  PITSTOP_URL      the site the worker runs on, e.g. https://example.org (or --url)
  PITSTOP_TOKEN    the admin token, the worker's ADMIN_TOKEN secret (or --token-file FILE)
  PITSTOP_PREFIX   the worker's ADMIN_PREFIX, if not /__maint`;

const MESSAGE_HELP = `shown to visitors; once, or once per language: en="..." fr="..." (${LANGUAGES.join(", ")})`;

const EXIT_HELP = `
Exit codes:
  0  done
  1  usage: bad arguments, or no URL or token configured (nothing was sent)
  2  the worker refused (4xx/5xx); its status and message are printed
  3  the worker could not be reached; the URL and the cause are printed
  4  guard: switched on, but not visible within --wait (the command was not run)
  *  guard: the guarded command's own exit code (128+N when stopped by signal N)`;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

/** --url, --token-file, ... on every command, so they can go anywhere after the verb. */
function withConnection(cmd: Command): Command {
  return cmd
    .option("--url <url>", "the worker's site URL (default: $PITSTOP_URL)")
    .option("--token-file <file>", "read the admin token from the first line of FILE (default: $PITSTOP_TOKEN)")
    .addOption(new Option("--token <token>", "the admin token itself; refused without --insecure-token-flag (shell history, ps)"))
    .addOption(new Option("--insecure-token-flag", "accept --token anyway"))
    .addOption(new Option("--prefix <path>", "the worker's ADMIN_PREFIX (default: $PITSTOP_PREFIX or /__maint)").hideHelp())
    .option("--scope <host>", 'the hostname to act on, or "*" for every site (default: the URL\'s host)');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("pitstop")
    .description("Maintenance mode at the edge: switch a Pitstop worker on and off, mint bypass links, guard jobs.")
    .version(VERSION, "-v, --version", "print the CLI's version")
    .helpOption("-h, --help", "show help for a command")
    .helpCommand("help [command]", "show help for a command")
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, "✘ Error: ")),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `${CONNECTION_HELP}
${EXIT_HELP}
${examples(
  "export PITSTOP_URL=https://example.org PITSTOP_TOKEN=...",
  "pitstop status",
  'pitstop on --message "Back at 23:00" --until 23:00',
  "pitstop guard -- ./migrate.sh",
  "pitstop off",
)}
Run "pitstop <command> --help" for a command's options. Docs: docs/cli.md`,
    );

  const run =
    <T extends OptionValues>(handler: (opts: T) => Promise<number>) =>
    async (_: unknown, cmd: Command) =>
      setExit(await handler(cmd.opts<T>()));

  withConnection(program.command("status").description("show the maintenance state: mode, message, window, who changed it, allowlists"))
    .option("--json", "print the admin API's JSON as is, for scripts")
    .addHelpText("after", examples("pitstop status", "pitstop status --scope '*'", "pitstop status --json | jq .effective.mode"))
    .action(run(commands.status));

  withConnection(program.command("on").description("switch maintenance on now (visitors get the maintenance page)"))
    .option("--read-only", "read-only mode instead: reads pass, writes get 503")
    .option("--message <text>", `${MESSAGE_HELP} on the maintenance page`, collect)
    .option("--until <time>", "when you expect to be back (shown to visitors, sets Retry-After): 23:00, +45m, ISO 8601")
    .option("--auto-end", "end by itself at --until")
    .option("--retry-after <duration>", "Retry-After when there is no --until: 300, 5m (default: 5m)")
    .addHelpText(
      "after",
      examples(
        'pitstop on --message "Upgrading the database" --until +45m',
        'pitstop on --message en="Back at 23:00" --message fr="Retour à 23 h"',
        "pitstop on --read-only --until 23:00",
        "pitstop on --scope shop.example.org",
      ),
    )
    .action(run(commands.on));

  withConnection(program.command("off").description("switch maintenance off (also cancels a scheduled window)"))
    .addHelpText("after", examples("pitstop off", "pitstop off --scope '*'"))
    .action(run(commands.off));

  withConnection(program.command("reset").description('forget this site\'s own setting so it follows "*" again (a site\'s own setting, even "off", wins over "*")'))
    .addHelpText("after", examples("pitstop reset", "pitstop reset --scope shop.example.org"))
    .action(run(commands.reset));

  const bypass = withConnection(
    program.command("bypass").description("mint a signed link that lets one browser see the real site during maintenance"),
  )
    .option("--ttl <duration>", "how long the link can be followed: 15m, 2h, 900 (seconds); the cookie it sets lasts BYPASS_COOKIE_HOURS (12 h)")
    .option("--next <path>", "where the link lands after setting the cookie, e.g. /admin")
    .option("--open", "also open the link in the default browser")
    .option("--json", "print {url, expiresAt} as JSON")
    .addHelpText("after", examples("pitstop bypass", "pitstop bypass --ttl 2h --next /checkout --open", "pitstop bypass revoke"))
    .action(run(commands.bypass));
  withConnection(bypass.command("revoke").description("make every bypass link and cookie issued so far stop working"))
    .addHelpText("after", examples("pitstop bypass revoke"))
    .action(run(commands.bypassRevoke));

  withConnection(program.command("log").description("show the audit log (who changed what, when, from where), newest first"))
    .option("--limit <n>", "how many entries (1 to 1000)", "20")
    .option("--json", "print the admin API's JSON as is")
    .addHelpText("after", examples("pitstop log", "pitstop log --limit 100 --scope '*'"))
    .action(run(commands.log));

  const schedule = withConnection(
    program.command("schedule").description("schedule a maintenance window; a banner announces it on the site's pages beforehand"),
  )
    .option("--from <time>", "when it starts (required): 22:00, +2h, 2026-05-01T22:00+02:00")
    .option("--until <time>", "when it should end: 23:00, or +1h (counted from --from)")
    .option("--announce-from <time>", "when the banner appears (default: 24 h before): 12:00, or -2h (before --from)")
    .option("--read-only", "a read-only window instead of full maintenance")
    .option("--message <text>", `${MESSAGE_HELP} in the banner and on the maintenance page`, collect)
    .option("--auto-end", "end by itself at --until (otherwise it stays on until pitstop off)")
    .addHelpText(
      "after",
      examples(
        'pitstop schedule --from 22:00 --until 23:00 --message "Database upgrade"',
        "pitstop schedule --from 2026-05-01T22:00+02:00 --until +1h --announce-from -6h --auto-end",
        "pitstop schedule cancel",
      ),
    )
    .action(run(commands.schedule));
  withConnection(schedule.command("cancel").description("cancel the scheduled window (the banner goes away)"))
    .addHelpText("after", examples("pitstop schedule cancel"))
    .action(run(commands.scheduleCancel));

  const ruleOptions = (cmd: Command) =>
    cmd
      .option("--path <pattern>", "a path it covers, as in ALLOW_PATHS: /checkout or /search/* (repeat for more; none: every path)", collect)
      .option("--method <method>", "a method it covers, e.g. POST (repeat for more; none: every method)", collect)
      .option("--user <key>", "a user key it is for (repeat for more)", collect)
      .option("--percent <n>", "a share of identified users it is for, 0 to 100 (the same users stay in as it grows)")
      .option("--read-only", "reads pass, writes are refused (instead of the maintenance page)")
      .option("--message <text>", `${MESSAGE_HELP}: what the visitors it stops read`, collect)
      .option("--banner", "also show the message as a banner on the pages that still work");

  const rule = program.command("rule").description("maintenance for a feature or for some users: rules, first match wins");
  ruleOptions(withConnection(rule.command("add").description("add a rule, or replace the one with the same id").argument("<id>", "lower-case letters, digits, - and _")))
    .addHelpText(
      "after",
      examples(
        "pitstop rule add checkout --path /checkout/* --path /signup --read-only --message \"Orders are paused for a few minutes\"",
        "pitstop rule add search --path '/search/*' --message \"Search is being rebuilt\" --banner",
        "pitstop rule add canary --percent 10",
      ),
    )
    .action(async (id: string, _opts: unknown, cmd: Command) => setExit(await rules.ruleAdd(id, cmd.opts<rules.RuleFlags>())));
  withConnection(rule.command("list").description("show the rules in force for a site"))
    .option("--json", "print the rules as JSON")
    .addHelpText("after", examples("pitstop rule list", "pitstop rule list --scope '*'"))
    .action(run(rules.ruleList));
  withConnection(rule.command("users").description("put users into a rule, or take them out (the last one out removes it)").argument("<id>"))
    .option("--add <key>", "a user key to put in (repeatable)", collect)
    .option("--remove <key>", "a user key to take out (repeatable)", collect)
    .addHelpText("after", examples("pitstop rule users migrate --add cust-42", "pitstop rule users migrate --remove cust-42"))
    .action(async (id: string, _opts: unknown, cmd: Command) => setExit(await rules.ruleUsers(id, cmd.opts<commands.Scoped & { add?: string[]; remove?: string[] }>())));
  withConnection(rule.command("remove").description("remove a rule").argument("<id>"))
    .addHelpText("after", examples("pitstop rule remove checkout"))
    .action(async (id: string, _opts: unknown, cmd: Command) => setExit(await rules.ruleRemove(id, cmd.opts<commands.Scoped>())));

  withConnection(
    program
      .command("guard")
      .description(
        "switch maintenance on, wait until it is visible, run COMMAND, and switch off only if it succeeds\n" +
          "(on failure or Ctrl-C, maintenance is left on and the command's exit code is passed through)",
      )
      .argument("<command...>", "the command and its arguments (put them after --)")
      .passThroughOptions(),
  )
    .option("--read-only", "read-only mode instead of full maintenance")
    .option("--message <text>", `${MESSAGE_HELP}; {} is replaced by the item with --each`, collect)
    .option("--until <time>", "the expected end shown to visitors: 23:00, +30m (guard still switches off itself)")
    .option("--each <file>", "run once per line of FILE (- for stdin), in order, stopping at the first failure; {} in the command, --scope and --message is replaced by the item (without {} in the command, the item is appended)")
    .option("--rule <id>", "guard with a rule instead of the whole site: with --each, one user at a time is put into it")
    .option("--path <pattern>", "with --rule: a path the rule covers (repeatable)", collect)
    .option("--method <method>", "with --rule: a method the rule covers (repeatable)", collect)
    .option("--wait <duration>", "how long to wait for the change to be visible before giving up", "2m")
    .option("--no-wait", "do not wait for the change to be visible")
    .addHelpText(
      "after",
      examples(
        "pitstop guard -- ./migrate.sh --to v42",
        'pitstop guard --read-only --message "Reindexing" -- npm run reindex',
        "pitstop guard --each users.txt --scope {}.example.org -- ./reindex-user {}",
        "xargs -I{} pitstop guard --scope {}.example.org -- ./reindex-user {} < users.txt",
        "pitstop guard --rule search --path '/search/*' --message \"Search is being rebuilt\" -- ./reindex.sh",
        "pitstop guard --rule migrate --each users.txt -- ./migrate-user {}",
      ),
    )
    .action(async (command: string[], _opts: unknown, cmd: Command) => {
      const opts = cmd.opts<
        commands.Scoped & { readOnly?: boolean; message?: string[]; until?: string; each?: string; wait: string | false; rule?: string; path?: string[]; method?: string[] }
      >();
      const p = printer(process.stderr, process.stderr);
      const waitMs = opts.wait === false ? false : commands.durationFlag("--wait", opts.wait) * 1000;
      if (opts.rule !== undefined) {
        if (opts.until !== undefined) throw new UsageError("--until is for the whole site; a rule has no expected end");
        const client = commands.connect(opts, p);
        const flags = { scope: opts.scope, path: opts.path, method: opts.method, readOnly: opts.readOnly, message: opts.message };
        setExit(await guardRule(client, { rule: opts.rule, flags, each: opts.each, waitMs, command }, p));
        return;
      }
      if (opts.path || opts.method) throw new UsageError("--path and --method describe a rule: use them with --rule");
      const until = opts.until === undefined ? undefined : commands.timeFlag("--until", opts.until, { now: new Date() });
      const client = commands.connect(opts, p);
      setExit(
        await guard(
          client,
          { readOnly: Boolean(opts.readOnly), message: parseMessageFlags(opts.message), scope: opts.scope, until, each: opts.each, waitMs, command },
          p,
        ),
      );
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(printer(), err); // errors go to stderr whatever the command
  }
}

// A reader that closes early (`pitstop status | head -1`) makes the next write
// fail with EPIPE, which Node raises as an unhandled 'error' with a stack trace.
// Nobody is left to read, so drop the output quietly and let the command finish
// with its own exit code: guard must still switch off after its job succeeds.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`✘ Error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
