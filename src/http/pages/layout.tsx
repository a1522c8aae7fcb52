import type { Child } from "hono/jsx";

/** The frame of every sign-in page: one card, readable on a phone, nothing loaded from elsewhere. */
export function Layout(props: { title: string; site?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/assets/signin.css" />
      </head>
      <body>
        <main>
          <p class="brand">{props.site ? `${props.site} · account sign-in` : "Account sign-in"}</p>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The authorization request and the CSRF token, carried through a form. */
export function HiddenFields(props: { params: Record<string, string>; csrf: string }) {
  return (
    <>
      <input type="hidden" name="csrf_token" value={props.csrf} />
      {Object.entries(props.params).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}
