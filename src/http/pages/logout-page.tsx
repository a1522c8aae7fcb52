import { HiddenFields, Layout } from "./layout";

/**
 * OIDC RP-Initiated Logout §2 / §6: without a valid id_token_hint the user confirms, so another
 * site cannot sign them out (logout CSRF). Posts logout=confirm or logout=cancel.
 */
export function LogoutPage(props: { clientName: string | null; userName: string; params: Record<string, string>; csrf: string }) {
  return (
    <Layout title="Sign out">
      <h1>Sign out?</h1>
      <p class="lead">
        You are signed in as <strong>{props.userName}</strong>
        {props.clientName ? <> and {props.clientName} asks to sign you out</> : null}. Signing out ends your session here and in every app that
        used it.
      </p>
      <form method="post" action="/oidc/logout">
        <HiddenFields params={props.params} csrf={props.csrf} />
        <div class="actions">
          <button type="submit" name="logout" value="confirm" autofocus>
            Sign out
          </button>
          <button type="submit" name="logout" value="cancel" class="secondary">
            Stay signed in
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** After a logout (or a cancelled one) with no registered place to go back to. */
export function LogoutDonePage(props: { signedOut: boolean }) {
  return (
    <Layout title={props.signedOut ? "Signed out" : "Still signed in"}>
      <h1>{props.signedOut ? "You are signed out" : "You are still signed in"}</h1>
      <p class="lead">{props.signedOut ? "Your session has ended. You can close this window." : "Nothing was changed."}</p>
    </Layout>
  );
}
