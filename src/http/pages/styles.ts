/**
 * The stylesheet of the sign-in pages, served at /assets/signin.css so the pages' CSP can forbid
 * inline styles. System fonts, no images: nothing to load from anywhere else.
 */
export const SIGNIN_CSS = `
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #fff; --text: #1c1e21; --muted: #5b616b; --line: #d3d7de; --field-line: #767d88;
  --accent: #1f5fd1; --accent-text: #fff; --danger-bg: #fdecec; --danger: #a1161b; --focus: #1f5fd1; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --card: #22252b; --text: #eceef1; --muted: #a3a9b3; --line: #3a3f47; --field-line: #8a919c;
    --accent: #5b8dee; --accent-text: #0b1020; --danger-bg: #3a1e20; --danger: #ffb3b5; --focus: #8fb3ff; }
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; min-height: 100vh; display: flex; align-items: flex-start; justify-content: center; background: var(--bg);
  color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { width: 100%; max-width: 26rem; margin: 8vh 1rem 2rem; background: var(--card); border: 1px solid var(--line);
  border-radius: 12px; padding: 2rem 1.75rem; box-shadow: 0 1px 2px rgb(0 0 0 / 6%), 0 8px 24px rgb(0 0 0 / 6%); }
.brand { margin: 0 0 1.25rem; font-size: .875rem; font-weight: 600; letter-spacing: .02em; color: var(--muted); }
h1 { margin: 0 0 .25rem; font-size: 1.5rem; line-height: 1.25; }
.lead { margin: 0 0 1.5rem; color: var(--muted); }
.lead strong { color: var(--text); }
label { display: block; margin: 0 0 .375rem; font-weight: 600; }
.field { margin: 0 0 1.125rem; }
input[type=text], input[type=password] { width: 100%; padding: .7rem .8rem; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--field-line); border-radius: 8px; }
input[aria-invalid=true] { border-color: var(--danger); }
input:focus-visible, button:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
button { display: block; width: 100%; padding: .75rem 1rem; font: inherit; font-weight: 600; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-text); }
button.secondary { background: transparent; color: var(--text); border-color: var(--field-line); }
button:not(.secondary):focus-visible { outline-color: var(--text); }
a { color: var(--accent); }
@media (max-width: 30rem) { body { background: var(--card); } main { margin: 0; border: 0; border-radius: 0; box-shadow: none; padding: 1.5rem 1.25rem; } }
.actions { display: grid; gap: .75rem; margin-top: 1.5rem; }
.alert { margin: 0 0 1.25rem; padding: .75rem .9rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger); }
.alert:empty { display: none; }
ul.scopes { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 8px; }
ul.scopes li { padding: .75rem .9rem; }
ul.scopes li + li { border-top: 1px solid var(--line); }
ul.scopes .name { display: block; font-size: .8125rem; color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.note { margin: 1.25rem 0 0; font-size: .875rem; color: var(--muted); }
.redirect { word-break: break-all; }
`;
