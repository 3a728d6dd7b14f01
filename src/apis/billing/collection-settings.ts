import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { getCollectionSettings, setCollectionSettings, type CollectionSettings } from '../../billing/dunning.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf } from './context.ts';

const { reads, writes } = billingOperations('collection');
const Settings = Type.Object({
  retry_days: Type.Array(Type.Integer(), { description: 'Days after the first failed charge on which it is retried (fixed: 1, 3, 7).' }),
  after_final_failure: Type.Union([Type.Literal('cancel'), Type.Literal('keep')], { description: 'After the last retry failed: cancel the subscription at once, or keep it past_due.' }),
});
const view = (s: CollectionSettings) => ({ retry_days: [...s.retryDays], after_final_failure: s.afterFinalFailure });

/** Each app's dunning rule (decision 0027), per mode like its tax settings: what happens after the last retry. */
export function collectionSettingsRoutes(api: SurfaceApp, { db, clock }: Core) {
  api.get(
    '/collection-settings',
    reads({ operationId: 'getCollectionSettings', summary: "The app's automatic collection and dunning settings.", response: { 200: Settings, ...S.errorResponses(401, 403) } }),
    async (request) => view(await getCollectionSettings(db, scopeOf(request))),
  );
  api.put(
    '/collection-settings',
    writes({
      operationId: 'updateCollectionSettings',
      summary: 'Set what dunning does after the last retry of a failed charge: cancel the subscription, or keep it past_due.',
      body: Type.Object({ after_final_failure: Type.Optional(Type.String({ description: 'cancel or keep' })) }),
      response: { 200: Settings, ...S.errorResponses(400, 401, 403) },
    }),
    write(async (tx, request) => {
      const value = request.body.after_final_failure;
      if (value !== 'cancel' && value !== 'keep') throw billingError('invalid_input', 'after_final_failure must be cancel or keep', 'after_final_failure');
      const scope = scopeOf(request);
      return view(await setCollectionSettings(tx, scope, value, await worldNow(tx, scope, clock)));
    }),
  );
}
