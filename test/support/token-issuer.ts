import { createServer, type Server } from 'node:http';
import { createTokenIssuer, type TokenIssuer } from '../../infra/local/token-issuer';
import { resetEnvForTests } from '../../shared/runtime/env';
import { resetVerifierForTests } from '../../shared/auth/verify-access-token';

export interface TestIssuer extends TokenIssuer {
  jwksUri: string;
  close(): Promise<void>;
}

/**
 * A real JWKS endpoint on loopback plus a signer, wired into the handlers' environment, so tests verify
 * tokens the same way production does instead of mocking the verifier.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const issuer = await createTokenIssuer({ issuer: 'http://127.0.0.1/kefu-test-issuer', audience: 'kefu' });
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const jwksUri = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  process.env.JWT_ISSUER = issuer.issuer;
  process.env.JWT_AUDIENCE = issuer.audience;
  process.env.JWKS_URI = jwksUri;
  resetEnvForTests();
  resetVerifierForTests();
  return {
    ...issuer,
    jwksUri,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
