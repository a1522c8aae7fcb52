/** An asymmetric key the server signs JWT access tokens with (RFC 7517 / RFC 9068). */
export interface SigningKey {
  kid: string;
  alg: "ES256";
  privateKey: CryptoKey;
}

/** What the signing-key object hands out: the private JWK, imported by the caller. */
export interface SigningKeyMaterial {
  kid: string;
  alg: "ES256";
  privateJwk: JsonWebKey;
}

export async function importSigningKey(material: SigningKeyMaterial): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey("jwk", material.privateJwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  return { kid: material.kid, alg: material.alg, privateKey };
}
