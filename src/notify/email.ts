// The "<site> is back" email, in the language its subscriber used. Made only
// of translations, the site's hostname and its address: nothing a visitor
// typed (not even their own address, which is only on the envelope).
import type { Language } from "../core/message";
import { escapeHtml } from "../banner/markup";
import { t } from "../i18n/catalog";

export interface BackEmail {
  subject: string;
  text: string;
  html: string;
}

/** `site`: the canonical hostname (core/site.ts); `origin`: the site's scheme, host and port, as the form was served. */
export function backEmail(site: string, origin: string, lang: Language): BackEmail {
  const url = `${origin}/`;
  const body = t(lang, "email.body", { site });
  const footer = t(lang, "email.footer", { site });
  const [before = "", after = ""] = t(lang, "email.visit").split("{url}");
  return {
    subject: t(lang, "email.subject", { site }),
    text: `${body}\n\n${before}${url}${after}\n\n${footer}\n`,
    html:
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"></head>` +
      `<body style="font:16px/1.5 system-ui,sans-serif;color:#17212b">` +
      `<p>${escapeHtml(body)}</p>` +
      `<p>${escapeHtml(before)}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>${escapeHtml(after)}</p>` +
      `<p style="font-size:13px;color:#4a5765">${escapeHtml(footer)}</p></body></html>`,
  };
}
