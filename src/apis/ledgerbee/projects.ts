import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { addSubproject, createProject, deleteSubproject, getProject, listProjects, updateProject, updateSubproject, upsertProject } from '../../ledgerbee/project-store.ts';
import { projectDimensions } from '../../ledgerbee/project-dimensions.ts';
import { projectProfit } from '../../ledgerbee/project-profit.ts';
import { companyIdOf, ledgerbeeOperations, type Companies } from './context.ts';
import { itemRoutes } from './item-routes.ts';
import { errors, IdParams, Uuid } from './schemas.ts';
import * as S from './project-schemas.ts';

const projectOperations = ledgerbeeOperations('projects', 'Projects');
const { reads, writes } = projectOperations;
const SubprojectParams = Type.Object({ id: Uuid, subprojectId: Uuid });

/** Projects, subprojects and project profit (scopes projects-read / projects-write). */
export function projectRoutes(api: SurfaceApp, core: Core, companies: Companies) {
  const { db, clock } = core;
  const dims = projectDimensions;
  const currencyOf = async (orgId: string) => (await companies.get(orgId)).currency;

  api.get(
    '/v1/projects',
    reads({
      operationId: 'listProjects',
      summary: 'List all projects; archived ones only with includeArchived=true.',
      querystring: Type.Object({ includeArchived: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
      response: { 200: Type.Array(S.ProjectDto), ...errors(400, 401, 403) },
    }),
    async (request) => (await listProjects(db, companyIdOf(request), request.query.includeArchived === true)).map(S.projectView),
  );

  api.put(
    '/v1/projects',
    writes({
      operationId: 'upsertProject',
      summary: 'Idempotent project upsert by externalReference: 201 when created, 200 when updated in place.',
      body: S.UpsertProjectDto,
      response: { 200: S.ProjectDto, 201: S.ProjectDto, ...errors(400, 401, 403, 404, 409) },
    }),
    write(async (tx, request, reply) => {
      const orgId = companyIdOf(request);
      const { project, created } = await upsertProject(tx, dims, orgId, S.projectInput(request.body), clock.now(), await currencyOf(orgId));
      reply.code(created ? 201 : 200);
      return S.projectView(project);
    }),
  );

  itemRoutes(api, {
    path: '/v1/projects', operations: projectOperations, item: S.ProjectDto, view: S.projectView,
    create: {
      operationId: 'createProject',
      summary: 'Create a project (its dimension category and default subproject with it).',
      body: S.CreateProjectDto,
      errors: [400, 401, 403, 404, 409],
      run: async (tx, orgId, body) => createProject(tx, dims, orgId, S.projectInput(body), clock.now(), await currencyOf(orgId)),
    },
    get: { operationId: 'getProject', summary: 'Get a project with its subprojects.', errors: [400, 401, 403, 404], run: (orgId, id) => getProject(db, orgId, id) },
    update: {
      method: 'put',
      operationId: 'updateProject',
      summary: 'Update a project: the fields given change; an archived project only takes isArchived.',
      body: S.UpdateProjectDto,
      errors: [400, 401, 403, 404, 409],
      run: (tx, orgId, id, body) => updateProject(tx, dims, orgId, id, S.projectInput(body), clock.now()),
    },
  });

  api.get(
    '/v1/projects/:id/profit',
    reads({
      operationId: 'getProjectProfit',
      summary: 'Project profit from posted lines carrying the project’s dimension: revenue, costs and profit, in total and per subproject.',
      params: IdParams,
      querystring: S.ProfitQuery,
      response: { 200: S.ProjectProfitDto, ...errors(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = companyIdOf(request);
      const project = await getProject(db, orgId, request.params.id);
      return S.profitView(await projectProfit(db, orgId, project, { fromDate: request.query.fromDate ?? null, toDate: request.query.toDate ?? null }, await currencyOf(orgId)));
    },
  );

  api.post(
    '/v1/projects/:id/subprojects',
    writes({ operationId: 'addSubproject', summary: 'Add a subproject (a value of the project’s dimension).', params: IdParams, body: S.CreateSubprojectDto, response: { 201: S.SubprojectDto, ...errors(400, 401, 403, 404, 409) } }),
    write(async (tx, request, reply) => {
      const sub = await addSubproject(tx, dims, companyIdOf(request), request.params.id, S.subprojectInput(request.body), clock.now());
      reply.code(201);
      return S.subprojectView(sub);
    }),
  );

  api.put(
    '/v1/projects/:id/subprojects/:subprojectId',
    writes({ operationId: 'updateSubproject', summary: 'Update a subproject: the fields given change.', params: SubprojectParams, body: S.UpdateSubprojectDto, response: { 200: S.SubprojectDto, ...errors(400, 401, 403, 404, 409) } }),
    write(async (tx, request) => S.subprojectView(await updateSubproject(tx, dims, companyIdOf(request), request.params.id, request.params.subprojectId, S.subprojectInput(request.body), clock.now()))),
  );

  api.delete(
    '/v1/projects/:id/subprojects/:subprojectId',
    writes({
      operationId: 'deleteSubproject',
      summary: 'Delete a subproject; the default one, and one that posted lines carry, stay.',
      params: SubprojectParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errors(400, 401, 403, 404, 409) },
    }),
    write(async (tx, request, reply) => {
      await deleteSubproject(tx, dims, companyIdOf(request), request.params.id, request.params.subprojectId, clock.now());
      reply.code(204);
    }),
  );
}
