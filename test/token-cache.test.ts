import { describe, expect, it } from 'vitest';
import { AuthenticationFailure, signToken, verifyTokenClaims } from '../src/auth/tokens';
import type { AuthConfig } from '../src/config';
import { TEST_AUTH } from './helpers';

/** Verified tokens are kept by their text until their own expiry (auth/tokens.ts): never past it, never a refusal. */
describe('verified tokens', () => {
  const config: AuthConfig = { ...TEST_AUTH, jwtSecret: 'a-secret-for-the-token-cache-test-only' };

  it('are refused once they expire, though accepted before', async () => {
    const token = await signToken(config, 7, { expiresIn: '3s' });
    expect((await verifyTokenClaims(config, token)).personId).toBe(7);
    expect((await verifyTokenClaims(config, token)).personId).toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 4_100));
    await expect(verifyTokenClaims(config, token)).rejects.toThrow(AuthenticationFailure);
  });

  it('are verified against their own configuration: another secret refuses a token the first accepted', async () => {
    const token = await signToken(config, 8);
    expect((await verifyTokenClaims(config, token)).personId).toBe(8);
    const other: AuthConfig = { ...config, jwtSecret: 'another-secret-entirely-for-this-test' };
    await expect(verifyTokenClaims(other, token)).rejects.toThrow(/not valid/);
    // A refusal is not kept: the first configuration still accepts it, the second still refuses.
    expect((await verifyTokenClaims(config, token)).personId).toBe(8);
    await expect(verifyTokenClaims(other, token)).rejects.toThrow(/not valid/);
  });
});
