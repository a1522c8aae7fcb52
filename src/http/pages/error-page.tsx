import { Layout } from "./layout";

/**
 * An error the browser's user sees instead of being redirected (SPEC §10: an unknown client or a
 * redirect URI that does not match is never redirected to).
 */
export function ErrorPage(props: { title: string; message: string; code: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <div class="alert" role="alert">
        {props.message}
      </div>
      <p class="note">
        Error code: <code>{props.code}</code>. Go back to the application and try again; if this keeps happening, tell its developers.
      </p>
    </Layout>
  );
}
