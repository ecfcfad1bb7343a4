import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateSecrets, validSecrets } from '../../shared/orders/integration';
import { resetEnvForTests } from '../../shared/runtime/env';
import { forgetOpenedSecretsForTests, openSecret, openedSecretTtlMs, sealSecret } from '../../shared/store/secret-box';

const kms = mockClient(KMSClient);
const context = { tenantId: 't1', shopId: 's1', purpose: 'webhook-secret' };
const savedLocalKey = process.env.LOCAL_SECRETS_KEY;

describe('secret box with KMS (cloud)', () => {
  beforeEach(() => {
    kms.reset();
    forgetOpenedSecretsForTests();
    delete process.env.LOCAL_SECRETS_KEY;
    process.env.SECRETS_KEY_ID = 'arn:aws:kms:ap-east-1:111122223333:key/abc';
    resetEnvForTests();
  });
  afterEach(() => {
    process.env.LOCAL_SECRETS_KEY = savedLocalKey;
    delete process.env.SECRETS_KEY_ID;
    resetEnvForTests();
  });

  it('encrypts with the secrets key, binding tenant, shop and purpose as the encryption context', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    expect(await sealSecret('s3cret', context)).toBe(`kms1:${Buffer.from('blob').toString('base64')}`);
    const input = kms.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(input).toEqual({ KeyId: 'arn:aws:kms:ap-east-1:111122223333:key/abc', Plaintext: Buffer.from('s3cret'), EncryptionContext: context });
  });

  it('decrypts once per sealed value and context, then serves it from memory for five minutes', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('s3cret') });
    const sealed = `kms1:${Buffer.from('blob').toString('base64')}`;
    const t0 = 1_000_000;
    expect(await openSecret(sealed, context, t0)).toBe('s3cret');
    expect(await openSecret(sealed, context, t0 + openedSecretTtlMs - 1)).toBe('s3cret');
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toEqual({ CiphertextBlob: Buffer.from('blob'), EncryptionContext: context });
    await openSecret(sealed, context, t0 + openedSecretTtlMs + 1);
    // Another shop's context is another cache entry (and KMS refuses it if the context does not match).
    await openSecret(sealed, { ...context, shopId: 's2' }, t0);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(3);
  });
});

describe('secret box, local AES-256-GCM stand-in', () => {
  beforeEach(() => forgetOpenedSecretsForTests());

  it('opens what it sealed, and refuses it under another shop or purpose', async () => {
    const sealed = await sealSecret('whsec_local_1234567', context);
    expect(sealed.startsWith('gcm1:')).toBe(true);
    expect(sealed).not.toContain('whsec');
    expect(await openSecret(sealed, context)).toBe('whsec_local_1234567');
    await expect(openSecret(sealed, { ...context, shopId: 'other' })).rejects.toThrow();
    await expect(openSecret(sealed, { ...context, purpose: 'credentials' })).rejects.toThrow();
  });
});

describe('webhook secret rotation', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 11) + minutes * 60_000);

  it('keeps the previous secret valid for the rotation period beside the new one, then only the new', () => {
    const first = rotateSecrets([], 'A', at(0), 60);
    expect(first).toEqual([{ sealed: 'A', setAt: at(0).toISOString() }]);
    const second = rotateSecrets(first, 'B', at(10), 60);
    expect(validSecrets(second, at(69)).map((s) => s.sealed)).toEqual(['A', 'B']);
    expect(validSecrets(second, at(70)).map((s) => s.sealed)).toEqual(['B']);
  });

  it('never holds more than two, and a rotation inside a rotation drops the oldest at once', () => {
    const third = rotateSecrets(rotateSecrets(rotateSecrets([], 'A', at(0), 60), 'B', at(10), 60), 'C', at(20), 60);
    expect(third.map((s) => s.sealed)).toEqual(['B', 'C']);
    expect(rotateSecrets(third, 'D', at(30), 0).map((s) => s.sealed)).toEqual(['D']);
  });
});
