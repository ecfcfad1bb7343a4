import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { env } from '../runtime/env';

/**
 * Seals shops' webhook secrets and platform credentials for storage, and opens them again. In the cloud
 * a customer-managed KMS key (data stack, yearly rotation, grants only to the functions whose manifest
 * `access` says `secrets:encrypt` / `secrets:decrypt`) encrypts each value directly (all are < 4 KB);
 * locally, where there is no KMS, AES-256-GCM with a key the local stack generates stands in, behind the
 * same two functions. Why KMS and not Secrets Manager: docs/orders-design.md §9.2.
 *
 * The shop is bound to the ciphertext (KMS encryption context, GCM additional data): a sealed value copied
 * into another shop's or tenant's item does not open there.
 */
export interface SecretContext {
  tenantId: string;
  shopId: string;
  /** What the value is (`webhook-secret`, `credentials`), so one cannot be passed off as the other. */
  purpose: string;
}

const kmsPrefix = 'kms1:';
const localPrefix = 'gcm1:';

/** Decrypted values are kept this long per Lambda instance: a webhook burst costs one KMS call per shop. */
export const openedSecretTtlMs = 5 * 60 * 1000;
const opened = new Map<string, { plaintext: string; until: number }>();
let kmsClient: KMSClient | undefined;
const kms = () => (kmsClient ??= new KMSClient({ maxAttempts: 3 }));

const encryptionContext = (context: SecretContext): Record<string, string> => ({ tenantId: context.tenantId, shopId: context.shopId, purpose: context.purpose });
const additionalData = (context: SecretContext) => Buffer.from(JSON.stringify(encryptionContext(context)));

export async function sealSecret(plaintext: string, context: SecretContext): Promise<string> {
  const { SECRETS_KEY_ID: keyId, LOCAL_SECRETS_KEY: localKey } = env();
  if (localKey) return localPrefix + sealLocally(plaintext, context, Buffer.from(localKey, 'base64'));
  if (!keyId) throw new Error('SECRETS_KEY_ID is not set for this handler');
  const out = await kms().send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: encryptionContext(context) }));
  return kmsPrefix + Buffer.from(out.CiphertextBlob!).toString('base64');
}

export async function openSecret(sealed: string, context: SecretContext, now = Date.now()): Promise<string> {
  const cacheKey = `${JSON.stringify(encryptionContext(context))}|${sealed}`;
  const hit = opened.get(cacheKey);
  if (hit && hit.until > now) return hit.plaintext;
  let plaintext: string;
  if (sealed.startsWith(localPrefix)) {
    const localKey = env().LOCAL_SECRETS_KEY;
    if (!localKey) throw new Error('a locally sealed secret cannot be opened without LOCAL_SECRETS_KEY');
    plaintext = openLocally(sealed.slice(localPrefix.length), context, Buffer.from(localKey, 'base64'));
  } else if (sealed.startsWith(kmsPrefix)) {
    // The key id is inside the ciphertext blob; the context must match the one it was sealed with.
    const out = await kms().send(new DecryptCommand({ CiphertextBlob: Buffer.from(sealed.slice(kmsPrefix.length), 'base64'), EncryptionContext: encryptionContext(context) }));
    plaintext = Buffer.from(out.Plaintext!).toString('utf8');
  } else {
    throw new Error('unknown sealed secret format');
  }
  opened.set(cacheKey, { plaintext, until: now + openedSecretTtlMs });
  return plaintext;
}

/** Tests that count KMS calls start from an empty cache. */
export function forgetOpenedSecretsForTests(): void {
  opened.clear();
  kmsClient = undefined;
}

/** iv (12) ‖ tag (16) ‖ ciphertext, base64. */
function sealLocally(plaintext: string, context: SecretContext, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

function openLocally(sealed: string, context: SecretContext, key: Buffer): string {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(additionalData(context));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
