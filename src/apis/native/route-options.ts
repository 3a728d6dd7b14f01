import { operations } from '../../platform/http/operations.ts';

/**
 * The route options of one native resource's operations (tagged `tag`): every one takes an API
 * key (the document's `apiKey` scheme), with `ledger:read` to read and `ledger:write` to write.
 */
export const nativeOperations = (tag: string) => operations({ read: 'ledger:read', write: 'ledger:write', security: [{ apiKey: [] }], tags: [tag] });
