import { HiddenFields, Layout } from "./layout";

export interface LoginPageProps {
  clientName: string;
  params: Record<string, string>;
  csrf: string;
  /** Shown in the alert region and announced by screen readers. */
  error?: string;
  username?: string;
  site?: string;
}

/**
 * SPEC §10 login page: works without JavaScript; `username` and `password` are WSO2's field
 * names. The alert region is role="alert", so an error is announced; focus starts on the first
 * empty field.
 */
export function LoginPage(props: LoginPageProps) {
  const focusPassword = Boolean(props.username);
  return (
    <Layout title={`${props.error ? "Error – " : ""}Sign in – ${props.clientName}`} {...(props.site ? { site: props.site } : {})}>
      <h1>Sign in</h1>
      <p class="lead">
        to continue to <strong>{props.clientName}</strong>
      </p>
      <div class="alert" role="alert" id="login-error">
        {props.error ?? ""}
      </div>
      <form method="post" action="/oauth2/login">
        <HiddenFields params={props.params} csrf={props.csrf} />
        <div class="field">
          <label for="username">Username</label>
          <input
            type="text"
            id="username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            value={props.username ?? ""}
            autofocus={!focusPassword}
            aria-describedby={props.error ? "login-error" : undefined}
            aria-invalid={props.error ? "true" : undefined}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            required
            autofocus={focusPassword}
            aria-describedby={props.error ? "login-error" : undefined}
            aria-invalid={props.error ? "true" : undefined}
          />
        </div>
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Layout>
  );
}
