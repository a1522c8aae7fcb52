import { HiddenFields, Layout } from "./layout";
import { describeScope } from "./scope-descriptions";

export interface ConsentPageProps {
  clientName: string;
  userName: string;
  scopes: string[];
  params: Record<string, string>;
  csrf: string;
  /** Where the browser goes afterwards (the redirect URI's origin or scheme). */
  redirectOrigin: string;
  site?: string;
}

/** The same authorization request, asking for a fresh login (another account). */
function switchAccountHref(params: Record<string, string>): string {
  const { sid: _sid, ...request } = params;
  const prompt = new Set((request.prompt ?? "").split(" ").filter(Boolean));
  prompt.add("login");
  return `/oauth2/authorize?${new URLSearchParams({ ...request, prompt: [...prompt].join(" ") })}`;
}

/** SPEC §10 consent page: names the client and the scopes in words; posts consent=approve|deny (WSO2). */
export function ConsentPage(props: ConsentPageProps) {
  return (
    <Layout title={`Allow access – ${props.clientName}`} {...(props.site ? { site: props.site } : {})}>
      <h1>{props.clientName} wants access to your account</h1>
      <p class="lead">
        Signed in as <strong>{props.userName}</strong>. If you allow it, {props.clientName} will be able to:
      </p>
      <ul class="scopes" aria-label="Requested permissions">
        {props.scopes.map((scope) => (
          <li>
            {describeScope(scope)}
            <span class="name">{scope}</span>
          </li>
        ))}
      </ul>
      <form method="post" action="/oauth2/consent">
        <HiddenFields params={props.params} csrf={props.csrf} />
        <div class="actions">
          <button type="submit" name="consent" value="approve" autofocus>
            Allow
          </button>
          <button type="submit" name="consent" value="deny" class="secondary">
            Deny
          </button>
        </div>
      </form>
      <p class="note">
        You will be sent back to {props.clientName} at <span class="redirect">{props.redirectOrigin}</span>. Only allow apps you trust.
      </p>
      <p class="note">
        Not {props.userName}? <a href={switchAccountHref(props.params)}>Sign in as someone else</a>
      </p>
    </Layout>
  );
}
