import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalid } from '../errors.ts';
import type { KeyMode } from '../identity/key-formats.ts';

/**
 * Which endpoint URLs may reach private addresses (loopback, RFC 1918, link-local such as a
 * cloud's metadata service, unique-local, CGNAT, reserved), a server-side request forgery
 * guard: `never` (the default), `sandbox` (sandbox endpoints may: a developer's
 * `http://localhost:…`; live never), `always` (a deployment whose receivers are internal).
 * The rule is applied when an endpoint is created (literal addresses and `localhost`) and
 * again on every connection (the addresses a name resolves to), so a name that later resolves
 * to a private address is refused too.
 */
export type PrivateUrlRule = 'never' | 'sandbox' | 'always';
export const PRIVATE_URL_RULES: readonly PrivateUrlRule[] = ['never', 'sandbox', 'always'];

export const mayReachPrivate = (rule: PrivateUrlRule, mode: KeyMode) => rule === 'always' || (rule === 'sandbox' && mode === 'sandbox');

export const MAX_URL_LENGTH = 2048;

/** Whether an address is a public unicast one (IPv4-mapped IPv6 addresses are judged as the IPv4 address). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

const isLocalName = (host: string) => {
  const name = host.replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
};
const bareHost = (hostname: string) => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname);

/**
 * An endpoint URL as stored: http or https, a host, no credentials or fragment, at most 2,048
 * characters; a literal private address or `localhost` only where `allowPrivate`. Refusals
 * are validation errors on `url`.
 */
export function checkEndpointUrl(text: string, allowPrivate: boolean): string {
  const raw = text.trim();
  if (raw === '') throw invalid('url', 'url is required');
  if (raw.length > MAX_URL_LENGTH) throw invalid('url', `url is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url', 'url must start with https:// or http://');
  if (url.username || url.password) throw invalid('url', 'url must not hold credentials');
  if (url.hash) throw invalid('url', 'url must not have a fragment');
  const host = bareHost(url.hostname);
  if (!host) throw invalid('url', 'url has no host');
  const literal = isIP(host) !== 0;
  if (!allowPrivate && ((literal && !isPublicAddress(host)) || isLocalName(host))) {
    throw invalid('url', 'url points to a private, loopback or reserved address, which this server does not deliver to (WEBHOOK_PRIVATE_URLS)');
  }
  return url.href;
}

/** Whether a URL's host is a literal address this rule refuses (names are checked as they resolve, `guardedLookup`). */
export function refusedLiteral(url: URL, allowPrivate: boolean): boolean {
  const host = bareHost(url.hostname);
  return !allowPrivate && ((isIP(host) !== 0 && !isPublicAddress(host)) || isLocalName(host));
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves as usual and refuses (ECONNREFUSED-like error
 * `EPRIVATE`) when a resolved address is not public and private ones are not allowed: the
 * check runs on the addresses actually connected to, so DNS rebinding cannot slip past it.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = addresses as LookupAddress[];
      if (!allowPrivate && list.some((a) => !isPublicAddress(a.address))) {
        const refused = Object.assign(new Error(`${hostname} resolves to a private or reserved address`), { code: 'EPRIVATE' });
        return callback(refused, '');
      }
      if ((options as LookupAllOptions).all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
