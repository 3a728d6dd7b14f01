import { randomBytes } from 'node:crypto';

/*
 * Client addresses and emails of one test run. With TEST_REDIS_URL the rate limits live in a
 * Redis that outlasts the run, so a test that spends a fixed address's or email's allowance
 * found it already spent when the suite ran again within the minute.
 */

/** An address in the IPv6 documentation range, new on every call. */
export const runAddress = () => `2001:db8::${randomBytes(6).toString('hex').match(/.{4}/g)!.join(':')}`;

/** `<local>-<random>@acme.test`, new on every call. */
export const runEmail = (local: string) => `${local}-${randomBytes(4).toString('hex')}@acme.test`;
