import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { invalid } from '../errors.ts';

export type KeyMode = 'live' | 'sandbox';

/**
 * How one surface's API keys look. Where a reference fixes the format (Ledgy: `lgpat_` + 64
 * hex) it is kept exactly (`hex64`); otherwise a key is prefix + 32 base62 characters + a
 * 6-character CRC32 checksum (`checksum`), so a mistyped key is refused without a database read.
 */
export interface KeyFormat {
  live: string;
  sandbox: string;
  body: 'checksum' | 'hex64';
}

/** The usual format: `<code>_live_…` and `<code>_test_…`, with a checksum. */
export const checksumKeys = (code: string): KeyFormat => ({ live: `${code}_live_`, sandbox: `${code}_test_`, body: 'checksum' });

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer, length: number): string {
  let n = BigInt('0x' + bytes.toString('hex'));
  let out = '';
  while (out.length < length) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

const checksumOf = (text: string) => base62(Buffer.from(crc32(text).toString(16).padStart(8, '0'), 'hex'), 6);

/** The key formats of the surfaces this server runs, each declared by its surface's manifest. */
export class KeyFormats {
  constructor(private readonly formats: Readonly<Record<string, KeyFormat>>) {}

  /** The surfaces that issue API keys. */
  surfaces(): string[] {
    return Object.keys(this.formats);
  }

  generate(surface: string, mode: KeyMode): string {
    const format = Object.hasOwn(this.formats, surface) ? this.formats[surface] : undefined;
    if (!format) throw invalid('surface', `unknown surface "${surface}"`);
    const prefix = format[mode];
    if (format.body === 'hex64') return prefix + randomBytes(32).toString('hex');
    const body = prefix + base62(randomBytes(24), 32);
    return body + checksumOf(body);
  }

  /** The surface and mode a well-formed secret belongs to, or null for anything else. */
  parse(secret: string): { surface: string; mode: KeyMode } | null {
    for (const [surface, format] of Object.entries(this.formats)) {
      for (const mode of ['live', 'sandbox'] as const) {
        const prefix = format[mode];
        if (!secret.startsWith(prefix)) continue;
        const rest = secret.slice(prefix.length);
        if (format.body === 'hex64') return /^[0-9a-f]{64}$/.test(rest) ? { surface, mode } : null;
        if (rest.length !== 38 || !/^[0-9A-Za-z]+$/.test(rest)) return null;
        return checksumOf(prefix + rest.slice(0, 32)) === rest.slice(32) ? { surface, mode } : null;
      }
    }
    return null;
  }
}
