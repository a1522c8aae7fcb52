import { dpopError, verifyDpopProof, type DpopCheck } from "../oauth/dpop";
import type { AppContext } from "./context";

/**
 * The request's DPoP proof (RFC 9449 §4.1: one `DPoP` header holding one JWT), verified; null
 * when there is none. A JWT has no commas, so a comma means several headers or proofs.
 */
export async function dpopProofOf(c: AppContext, check: DpopCheck): Promise<{ jkt: string; nonce: string | null } | null> {
  const header = c.req.header("DPoP");
  if (header === undefined) return null;
  if (header.includes(",") || header.trim() === "") throw dpopError("invalid_dpop_proof", "Send exactly one DPoP proof.");
  return verifyDpopProof(c.env, header.trim(), check);
}
