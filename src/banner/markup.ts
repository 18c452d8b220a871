// The announcement banner itself: markup, scoped CSS and a tiny script, about
// 2.5 KB before the admin's message. Rendered once per policy (inject.ts keeps
// it), never per request.
//
// - Placement: the first thing in <body>, in the normal flow (not position:
//   fixed). It pushes the page down by exactly its own height, so nothing is
//   ever hidden under it, with or without JavaScript, and a site's own fixed
//   header keeps working. It scrolls away with the page.
// - Isolation: everything sits under #pitstop-banner. The root resets itself
//   with `all: initial` (nothing inherited from the site), its descendants
//   with `all: revert` (the site's `p`, `button`, `*` rules roll back), and no
//   rule selects anything outside the banner.
// - Language: the visitor's (Accept-Language), one rendering per language;
//   the admin's message in that language when given, else in DEFAULT_LANGUAGE.
// - The script only enhances: it localises the time (in the banner's
//   language), shows the dismiss button and remembers the dismissal per window. Blocked by a strict CSP, the banner
//   still reads fine: the time stays in UTC and the button stays hidden.
// - Everything is ASCII (escapeHtml turns the rest into character references),
//   so the banner reads right whatever charset the page is in.
import { murmur3 } from "../core/bucket";
import { messageIn, type Language } from "../core/message";
import { CATALOG } from "../i18n/catalog";
import { utcText } from "../page/time";
import type { StateDoc } from "../core/doc";

/** "scheduled": before the window (announced); "read-only": read-only mode in force; "notice": rules' messages. */
export type BannerKind = "scheduled" | "read-only" | "notice";

export const BANNER_ID = "pitstop-banner";

export interface BannerMarkup {
  /** The banner as injected into a page without a CSP nonce. */
  html: string;
  /** The banner split where a nonce attribute goes: before `>` of <style>, then of <script>. */
  parts: readonly [string, string, string];
}

/** Nonces taken from the page's own CSP (see csp.ts); null when there is none. */
export interface Nonces {
  style: string | null;
  script: string | null;
}

/** What a banner says: the document in force, and for a notice the rules' messages (already in `lang`). */
export interface BannerContent {
  kind: BannerKind;
  doc: StateDoc;
  notices?: string[];
  /** The visitor's language; English when not given. */
  lang?: Language;
  /** DEFAULT_LANGUAGE: the admin's message falls back to it; `lang` when not given. */
  defaultLanguage?: Language;
}

export function renderBanner(content: BannerContent, extraCss: string | null): BannerMarkup {
  const { kind, doc } = content;
  const lang = content.lang ?? "en";
  const texts = CATALOG[lang];
  const said = messageIn(doc.message, lang, content.defaultLanguage ?? lang);
  // The admin's message, marked with its own language when it is not the banner's.
  const message = said
    ? escapeHtml(texts["banner.separator"]) + (said.lang && said.lang !== lang ? `<span lang="${said.lang}">${escapeHtml(said.text)}</span>` : escapeHtml(said.text))
    : escapeHtml(texts["banner.end"]);
  let text: string;
  let label: string;
  if (kind === "scheduled" && doc.startsAt) {
    label = texts["banner.scheduled"];
    const time = `<time datetime="${escapeHtml(doc.startsAt)}">${escapeHtml(utcText(doc.startsAt, lang))}</time>`;
    const on = texts["banner.scheduledOn"].split("{time}").map(escapeHtml).join(time);
    text = `<strong>${escapeHtml(label)}</strong> ${on}${message}`;
  } else if (kind === "notice") {
    label = texts["banner.region"];
    text = (content.notices ?? []).map(escapeHtml).join(" ");
  } else {
    label = texts["banner.region"];
    text = `<strong>${escapeHtml(texts["banner.readOnly"])}</strong> ${escapeHtml(texts["banner.readOnlyRest"])}${message}`;
  }
  // A new window, a changed message or the switch to read-only all change the
  // key, so a visitor who dismissed an older banner sees the new one.
  const key =
    kind === "notice"
      ? `${BANNER_ID}:notice:${murmur3((content.notices ?? []).join("\n"), 0).toString(36)}`
      : `${BANNER_ID}:${kind}:${doc.startsAt ?? ""}:${doc.updatedAt}`;
  const css = extraCss === null ? CSS : `${CSS}\n${cssSafe(extraCss)}`;
  const parts = [
    `<div id="${BANNER_ID}" role="region" aria-label="${escapeHtml(label)}" lang="${lang}" dir="ltr" data-key="${escapeHtml(key)}"><style`,
    `>${css}</style><div class="pb-in"><p class="pb-tx">${text}</p>` +
      `<button type="button" class="pb-x" aria-label="${escapeHtml(texts["banner.dismiss"])}" hidden>&times;</button></div><script`,
    `>${SCRIPT}</script></div>`,
  ] as const;
  return { html: parts.join(""), parts };
}

/** The banner with the page's CSP nonces on its <style> and <script>. */
export function withNonces(markup: BannerMarkup, nonces: Nonces): string {
  const [a, b, c] = markup.parts;
  const attr = (nonce: string | null) => (nonce === null ? "" : ` nonce="${escapeHtml(nonce)}"`);
  return a + attr(nonces.style) + b + attr(nonces.script) + c;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes text for HTML content and for double- or single-quoted attribute
 * values. Anything outside printable ASCII becomes a numeric character
 * reference, so the result is plain ASCII and safe in a page of any
 * ASCII-compatible charset.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']|[^\x20-\x7e]/gu, (ch) => ESCAPES[ch] ?? `&#x${ch.codePointAt(0)!.toString(16)};`);
}


/**
 * BANNER_CSS is admin configuration, not visitor input, but it must not be
 * able to end the <style> element or depend on the page's charset: `<` and
 * non-ASCII characters become CSS escapes (`\3c `), which mean the same thing
 * inside CSS strings and identifiers.
 */
function cssSafe(css: string): string {
  return css.replace(/[<]|[^\x20-\x7e\t\n\r]/gu, (ch) => `\\${ch.codePointAt(0)!.toString(16)} `);
}

// Selectors: only #pitstop-banner and its descendants. Colours meet WCAG AA
// (about 11:1 light, 12:1 dark). `grid-column` and `align-self` limit the
// damage when <body> is a grid and the script cannot run (see SCRIPT).
const CSS =
  "#pitstop-banner{all:initial;display:block;position:relative;z-index:2147483647;grid-column:1/-1;align-self:start;box-sizing:border-box;" +
  "width:100%;background:#fff3c4;color:#3b2c00;border-bottom:1px solid #e0b83e;" +
  'font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;text-align:left}' +
  "#pitstop-banner *{all:revert;box-sizing:border-box;font:inherit;color:inherit}" +
  "#pitstop-banner .pb-in{display:flex;align-items:flex-start;gap:12px;max-width:1152px;margin:0 auto;padding:10px 16px}" +
  "#pitstop-banner .pb-tx{flex:1;min-width:0;margin:0;overflow-wrap:anywhere}" +
  "#pitstop-banner strong{font-weight:600}" +
  "#pitstop-banner time{white-space:nowrap}" +
  "#pitstop-banner .pb-x{flex:none;width:32px;height:32px;margin:-6px -8px -6px 0;padding:0;border:0;border-radius:6px;" +
  "background:none;font-size:22px;line-height:1;cursor:pointer}" +
  "#pitstop-banner .pb-x[hidden]{display:none}" +
  "#pitstop-banner .pb-x:hover{background:rgba(0,0,0,.08)}" +
  "#pitstop-banner .pb-x:focus-visible{outline:2px solid currentColor;outline-offset:1px}" +
  "@media (prefers-color-scheme:dark){#pitstop-banner{background:#2f2606;color:#fce8a6;border-color:#6e5714}" +
  "#pitstop-banner .pb-x:hover{background:rgba(255,255,255,.14)}}" +
  "@media print{#pitstop-banner{display:none}}";

// The same for every banner (the data comes from attributes), so its hash is
// stable. Every step is guarded: localStorage throws in some private modes.
// A page kept in the browser's cache past the start of its window drops the
// out-of-date announcement.
// When <body> is a grid or a row flexbox, an extra first child would take a
// grid cell or a column, so there the banner leaves the flow (fixed at the
// top) and reserves its height as padding on <html> instead, until dismissed.
const SCRIPT =
  "(function(){var b=document.currentScript.parentNode,k=b.getAttribute('data-key'),s=null,h=document.documentElement,p,o;" +
  "try{s=window.localStorage;if(s.getItem(k)){b.remove();return}}catch(e){}" +
  "var t=b.querySelector('time');if(t&&new Date(t.dateTime)<new Date){b.remove();return}" +
  "try{var d=new Date(t.dateTime);t.textContent=new Intl.DateTimeFormat(b.lang||void 0,{weekday:'short',day:'numeric',month:'short'," +
  "year:d.getFullYear()==new Date().getFullYear()?void 0:'numeric',hour:'numeric',minute:'2-digit',timeZoneName:'short'}).format(d)}catch(e){}" +
  "try{var c=getComputedStyle(b.parentNode);if(/grid/.test(c.display)||/flex/.test(c.display)&&/row/.test(c.flexDirection)){" +
  "p=h.style.paddingTop;b.style.cssText='position:fixed;top:0;left:0;right:0';" +
  "var f=function(){h.style.paddingTop=b.offsetHeight+'px'};f();if(window.ResizeObserver)(o=new ResizeObserver(f)).observe(b)}}catch(e){}" +
  "var x=b.querySelector('.pb-x');x.hidden=!1;x.onclick=function(){try{s&&s.setItem(k,'1')}catch(e){}" +
  "if(o)o.disconnect();if(p!=null)h.style.paddingTop=p;b.remove()}})()";
