import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM sealing of small secrets (portal passwords, PINs) so events never carry plain text.
 *
 * Format "v2.<iv>.<tag>.<ciphertext>" (base64url parts). The plaintext is padded before sealing:
 * a 2-byte big-endian length, the UTF-8 bytes, then zero bytes up to a multiple of
 * SECRET_PAD_BLOCK bytes, so a ciphertext's length tells nothing of the secret's length below
 * that (every password up to 62 bytes seals to the same length). "v1" ciphertexts (unpadded,
 * written before) still open.
 *
 * `previousKeys`: keys that still open what they sealed (after a master-key rotation, until the
 * secrets sealed with the old key have been sealed again); sealing always uses `key`.
 */
export const SECRET_PAD_BLOCK = 64;

export class SecretBox {
  private readonly openingKeys: readonly Buffer[];

  constructor(
    private readonly key: Buffer,
    previousKeys: readonly Buffer[] = [],
  ) {
    for (const candidate of [key, ...previousKeys]) if (candidate.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.openingKeys = [key, ...previousKeys];
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(pad(plaintext)), cipher.final()]);
    return ['v2', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if ((version !== 'v1' && version !== 'v2') || !iv || !tag || ciphertext === undefined) throw new Error('Not a sealed secret');
    let lastError: unknown;
    for (const key of this.openingKeys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
        return version === 'v1' ? plain.toString('utf8') : unpad(plain);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('The sealed secret cannot be opened with the configured keys');
  }
}

function pad(plaintext: string): Buffer {
  const bytes = Buffer.from(plaintext, 'utf8');
  if (bytes.length > 0xffff) throw new Error('A sealed secret is at most 65535 bytes');
  const total = Math.ceil((bytes.length + 2) / SECRET_PAD_BLOCK) * SECRET_PAD_BLOCK;
  const padded = Buffer.alloc(total);
  padded.writeUInt16BE(bytes.length, 0);
  bytes.copy(padded, 2);
  return padded;
}

function unpad(padded: Buffer): string {
  const length = padded.readUInt16BE(0);
  if (length + 2 > padded.length) throw new Error('Not a sealed secret (bad padding)');
  return padded.subarray(2, 2 + length).toString('utf8');
}
