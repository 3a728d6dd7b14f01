import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { createGroup, deleteGroup, getGroup, listGroups, removeGroupMember, replaceGroup, type GroupInput } from '../../ledgy/groups.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyUser } from './context.ts';
import * as S from './schemas.ts';
import { groupView, id, PREFIX, uuidOf } from './views.ts';
import { parseId } from '../../platform/ids.ts';
import { NAME } from '../../platform/http/validation.ts';

const Member = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: S.Nullable(Type.String()),
  role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
  addedAt: S.Timestamp,
});

export const Group = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: S.Nullable(Type.String()),
  icon: S.Nullable(Type.String()),
  color: S.Nullable(Type.String()),
  ownerId: Type.String({ description: 'Read-only: the user who created the group.' }),
  members: Type.Array(Member, { description: 'Read-only: everyone who sees the group, the owner first.' }),
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const GroupBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  description: Type.Optional(S.Nullable(Type.String({ maxLength: 500 }))),
  icon: Type.Optional(S.Nullable(Type.String({ maxLength: 50 }))),
  color: Type.Optional(S.Nullable(Type.String({ maxLength: 20 }))),
});

const toInput = (b: Static<typeof GroupBody>): GroupInput => ({ name: b.name, description: b.description ?? null, icon: b.icon ?? null, color: b.color ?? null });

/**
 * Groups (shared ledgers) and, beyond the reference (which leaves membership to its app),
 * removing members and leaving; members join through invitations (invitations.ts). See
 * src/ledgy/groups.ts for the rules.
 */
export function groupRoutes(api: SurfaceApp, deps: LedgyDeps) {
  const read = { scope: 'groups:read' };
  const writes = { scope: 'groups:write' };
  const tags = ['groups'];
  const location = (groupId: string) => `/api/v1/groups/${id('group', groupId)}`;

  api.get('/v1/groups', { config: read, schema: { operationId: 'listGroups', tags, summary: 'Groups you own or are a member of.', response: { 200: S.ListOf(Group), ...S.errors(401, 403) } } }, async (request) => {
    const groups = await listGroups(deps.db, ledgyUser(request));
    return { items: groups.map(groupView), totalCount: groups.length };
  });

  api.get(
    '/v1/groups/:id',
    { config: read, schema: { operationId: 'getGroup', summary: 'One group you own or belong to, with its members.', tags, params: S.IdParams, response: { 200: Group, ...S.errors(401, 403, 404) } } },
    async (request) => groupView(await getGroup(deps.db, ledgyUser(request), uuidOf('group', request.params.id))),
  );

  api.post(
    '/v1/groups',
    { config: writes, schema: { operationId: 'createGroup', tags, summary: 'Create a group; you become its owner and first member.', body: GroupBody, response: { 201: Group, ...S.errors(400, 401, 403) } } },
    write(async (tx, request, reply) => {
      const group = await createGroup(deps, tx, ledgyUser(request), toInput(request.body));
      reply.code(201).header('location', location(group.id));
      return groupView(group);
    }),
  );

  api.put(
    '/v1/groups/:id',
    {
      config: writes,
      schema: { operationId: 'replaceGroup', tags, summary: "Replace a group's metadata (owner only).", params: S.IdParams, body: GroupBody, response: { 200: Group, ...S.errors(400, 401, 403, 404) } },
    },
    write(async (tx, request) => groupView(await replaceGroup(deps, tx, ledgyUser(request), uuidOf('group', request.params.id), toInput(request.body)))),
  );

  api.delete(
    '/v1/groups/:id',
    {
      config: writes,
      schema: {
        operationId: 'deleteGroup',
        tags,
        summary: 'Soft-delete a group (owner only): members lose visibility; its transactions and budgets revert to personal.',
        params: S.IdParams,
        response: { 204: Type.Null(), ...S.errors(401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      await deleteGroup(deps, tx, ledgyUser(request), uuidOf('group', request.params.id));
      reply.code(204);
    }),
  );

  api.delete(
    '/v1/groups/:id/members/:userId',
    {
      config: writes,
      schema: {
        operationId: 'removeGroupMember',
        tags,
        summary:
          'Remove a member (the owner), or leave the group (a member naming themselves); never the owner. Their transactions and budgets shared with the group revert to personal.',
        params: Type.Object({ id: S.Id, userId: S.Id }),
        response: { 204: Type.Null(), ...S.errors(400, 401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      // A user id that is not one of ours is simply not a member (404), once ownership is checked.
      const memberId = parseId(PREFIX.user, request.params.userId) ?? '00000000-0000-0000-0000-000000000000';
      await removeGroupMember(deps, tx, ledgyUser(request), uuidOf('group', request.params.id), memberId);
      reply.code(204);
    }),
  );
}
