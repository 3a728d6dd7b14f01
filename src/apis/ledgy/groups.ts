import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { createGroup, deleteGroup, getGroup, listGroups, removeGroupMember, replaceGroup, type GroupInput } from '../../ledgy/groups.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyUser } from './context.ts';
import * as S from './schemas.ts';
import { groupView, PREFIX, uuidOf } from './views.ts';
import { ledgyOperations, resourceRoutes } from './resource.ts';
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
  resourceRoutes(api, deps, {
    path: '/v1/groups', kind: 'group', scope: 'groups', reader: deps.db, item: Group, view: groupView, body: GroupBody, input: toInput,
    list: { operationId: 'listGroups', summary: 'Groups you own or are a member of.', run: listGroups },
    get: { operationId: 'getGroup', summary: 'One group you own or belong to, with its members.', run: getGroup },
    create: { operationId: 'createGroup', summary: 'Create a group; you become its owner and first member.', run: createGroup },
    replace: { operationId: 'replaceGroup', summary: "Replace a group's metadata (owner only).", run: replaceGroup },
    delete: { operationId: 'deleteGroup', summary: 'Soft-delete a group (owner only): members lose visibility; its transactions and budgets revert to personal.', run: deleteGroup },
  });

  api.delete(
    '/v1/groups/:id/members/:userId',
    ledgyOperations('groups').writes({
      operationId: 'removeGroupMember',
      summary:
        'Remove a member (the owner), or leave the group (a member naming themselves); never the owner. Their transactions and budgets shared with the group revert to personal.',
      params: Type.Object({ id: S.Id, userId: S.Id }),
      response: { 204: Type.Null(), ...S.errors(400, 401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      // A user id that is not one of ours is simply not a member (404), once ownership is checked.
      const memberId = parseId(PREFIX.user, request.params.userId) ?? '00000000-0000-0000-0000-000000000000';
      await removeGroupMember(deps, tx, ledgyUser(request), uuidOf('group', request.params.id), memberId);
      reply.code(204);
    }),
  );
}
