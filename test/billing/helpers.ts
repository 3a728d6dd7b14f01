import assert from 'node:assert/strict';
import { DomainError } from '../../src/platform/errors.ts';
import { billingCodeOf, type BillingErrorCode } from '../../src/billing/errors.ts';

/** Asserts `fn` throws the billing refusal `code` about `param` (undefined: no param). */
export function refuses(fn: () => unknown, code: BillingErrorCode, param?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    assert.equal(billingCodeOf(error), code, `code (message: ${error.message})`);
    assert.equal(error.field, param, `param (message: ${error.message})`);
    return true;
  });
}

export const d = (text: string) => new Date(text);
