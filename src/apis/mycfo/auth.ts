import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { DomainError } from '../../platform/errors.ts';
import { createOrg, getOrg } from '../../platform/orgs.ts';
import { authenticateUser, createUser } from '../../platform/identity/users.ts';
import { hashPassword } from '../../platform/identity/passwords.ts';
import { NAME } from '../../platform/http/validation.ts';
import { SIGN_UP_ROUTE, LOG_IN_ROUTE, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { errors, Id } from './schemas.ts';
import { orgView } from './views.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const NewPassword = Type.String({ minLength: 6, maxLength: 200 });
// A log-in checks the password, not the policy: a wrong one is 401 whatever its length.
const GivenPassword = Type.String({ maxLength: 1024 });
const Session = Type.Object({
  org: Type.Object({ id: Id('org'), name: Type.String(), email: Type.String(), created_at: Type.String() }),
  access_token: Type.String(),
});

export function authRoutes(api: SurfaceApp, core: Core) {
  // The hash of each sign-up's password, made before its transaction opens: a hash takes tens
  // of milliseconds of CPU (and may queue behind others), which must not hold a connection.
  const passwordHashes = new WeakMap<object, string>();

  api.post(
    '/auth/register',
    {
      ...SIGN_UP_ROUTE,
      schema: {
        operationId: 'register',
        tags: ['auth'],
        summary: 'Create an organization and its owner; returns an access token.',
        body: Type.Object({ org_name: Type.String({ ...NAME, maxLength: 200 }), email: Email, password: NewPassword }),
        response: { 201: Session, ...errors(400, 409, 422) },
      },
      preHandler: async (request) => {
        passwordHashes.set(request, await hashPassword(request.body.password));
      },
    },
    write(async (tx, request, reply) => {
      const { org_name, email } = request.body;
      const passwordHash = passwordHashes.get(request)!;
      const org = await createOrg(tx, core.clock, { name: org_name });
      const user = await createUser(tx, core.clock, { orgId: org.id, surface: 'mycfo', email, passwordHash });
      const token = await core.sessions.sign({ orgId: org.id, userId: user.id, surface: 'mycfo' });
      reply.code(201);
      return { org: orgView(org, user.email), access_token: token };
    }),
  );

  api.post(
    '/auth/login',
    {
      ...LOG_IN_ROUTE,
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Exchange email and password for an access token.',
        body: Type.Object({ email: Email, password: GivenPassword }),
        response: { 200: Session, ...errors(400, 401, 422) },
      },
    },
    async (request) => {
      const user = await authenticateUser(core.db, 'mycfo', request.body.email, request.body.password);
      // Unknown email and wrong password get the same answer.
      if (!user) throw new DomainError('unauthenticated', 'email or password is incorrect', undefined, { code: 'invalid_credentials' });
      const org = (await getOrg(core.db, user.orgId))!;
      const token = await core.sessions.sign({ orgId: org.id, userId: user.id, surface: 'mycfo' });
      return { org: orgView(org, user.email), access_token: token };
    },
  );
}
