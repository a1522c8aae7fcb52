import { success } from "../protocol/errors";
import type { Publisher } from "../store/publisher";
import { generatorFor } from "../tokens/generator";
import type { IssuedTokens, IssueRequest, TokenOutcome } from "./grant-rpc";
import type { IssueStep } from "./issuance";
import type { GrantKey } from "./key";
import type { AccessSpec, MintedToken, TokenMinter } from "./minter";
import type { GrantStorage } from "./transaction";

/** The candidate tokens of one issuing request, minted before its transaction. */
export interface Minted {
  access: MintedToken;
  refresh: MintedToken | null;
  format: string;
  spec: AccessSpec;
}

/**
 * The asynchronous halves around an issuing transaction: minting the candidate tokens before it,
 * and after it publishing the writes in commit order and building the token response.
 */
export class TokenAnswers {
  constructor(
    private readonly storage: GrantStorage,
    private readonly publisher: Publisher,
    private readonly minter: TokenMinter,
  ) {}

  async mint(request: Omit<IssueRequest, "fence">, key: GrantKey, issuedAt: number): Promise<Minted> {
    const generator = generatorFor(request.accessTokenFormat);
    const spec = { key, subject: request.subject, scope: key.scope, issuer: request.issuer, issuedAt, expiresAt: issuedAt + request.accessTokenLifetimeMs };
    const access = await this.minter.access(generator, spec);
    const refresh = request.issueRefreshToken ? await this.minter.opaque("refresh") : null;
    return { access, refresh, format: generator.format, spec };
  }

  /** After an issuing transaction: publish its writes in commit order and build the answer. */
  async answer(step: IssueStep, request: Omit<IssueRequest, "fence">, minted: Minted, login?: IssuedTokens["login"]): Promise<TokenOutcome> {
    const { scope } = request.key;
    if (!step.ok) return step;
    if (step.kind === "reuse") {
      // The token handed back may be one whose KV record failed to write earlier: retry the queue
      // first, so it introspects active wherever KV allows.
      const answered = this.publisher.inCommitOrder(this.storage.outbox.pending());
      const reused = { ...minted.spec, issuedAt: step.access.issuedAt, expiresAt: step.access.expiresAt };
      const accessToken = (await this.minter.access(generatorFor(request.accessTokenFormat), reused, step.access.id)).token;
      const refreshToken = step.refresh ? await this.minter.derive("refresh", step.refresh.id) : null;
      await answered;
      return success({ accessToken, refreshToken, expiresIn: step.expiresIn, scope, ...(login ? { login } : {}) });
    }
    await this.publisher.inCommitOrder(step.writes);
    const keptRefresh = step.keptRefresh ? await this.minter.derive("refresh", step.keptRefresh.id) : null;
    const expiresIn = Math.floor(request.accessTokenLifetimeMs / 1000);
    return success({ accessToken: minted.access.token, refreshToken: keptRefresh ?? minted.refresh?.token ?? null, expiresIn, scope, ...(login ? { login } : {}) });
  }
}
