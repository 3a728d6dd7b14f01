import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { invalid } from '../platform/errors.ts';
import { refusal } from './refusals.ts';
import { blankToNull } from './party-parts.ts';
import { customerExists } from './customer-store.ts';

/**
 * Projects. A project is backed by a dimension category and each subproject is one of its
 * values (a subproject's id is its value's id); the dimension functions below are the one
 * link to the dimensions of the chart, each a single call.
 */
export interface ProjectDimensions {
  /** A new category for a project (its name: unique per company among categories, or refused). */
  createCategory(tx: Queryable, orgId: string, name: string, now: Date): Promise<string>;
  renameCategory(tx: Queryable, orgId: string, categoryId: string, name: string): Promise<void>;
  createValue(tx: Queryable, orgId: string, categoryId: string, name: string, now: Date): Promise<string>;
  renameValue(tx: Queryable, orgId: string, categoryId: string, valueId: string, name: string): Promise<void>;
  /** Refused when posted lines carry the value. */
  deleteValue(tx: Queryable, orgId: string, categoryId: string, valueId: string): Promise<void>;
}

export interface SubprojectInput {
  name?: string;
  sortOrder?: number;
  budgetHours?: number | null;
  budgetAmount?: bigint | null;
}

export interface ProjectInput {
  name?: string;
  currency?: string;
  customerId?: string | null;
  budgetHours?: number | null;
  budgetAmount?: bigint | null;
  startDate?: string | null;
  endDate?: string | null;
  externalReference?: string | null;
  color?: string | null;
  isArchived?: boolean;
  /** On create only: subprojects besides the default one. */
  subprojects?: (SubprojectInput & { name: string })[];
}

export interface Subproject {
  id: string;
  name: string;
  sortOrder: number;
  budgetHours: number | null;
  budgetAmount: bigint | null;
  isDefault: boolean;
}

export interface Project {
  id: string;
  name: string;
  isArchived: boolean;
  currency: string;
  dimensionId: string;
  defaultSubprojectId: string;
  subprojects: Subproject[];
  createdAt: Date;
  updatedAt: Date;
  customerId: string | null;
  budgetHours: number | null;
  budgetAmount: bigint | null;
  startDate: string | null;
  endDate: string | null;
  externalReference: string | null;
  color: string | null;
}

/** The name of the catch-all subproject made with every project. */
export const DEFAULT_SUBPROJECT_NAME = 'General';

const hours = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const PROJECT_COLUMNS = `id, name, is_archived, currency, dimension_id, default_subproject_id, created_at, updated_at, customer_id, budget_hours, budget_amount,
  to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date, external_reference, color`;

async function subprojectsOf(db: Queryable, orgId: string, projectIds: string[]): Promise<Map<string, Subproject[]>> {
  const rows = await db.query(
    `SELECT s.project_id, s.id, s.name, s.sort_order, s.budget_hours, s.budget_amount, s.id = p.default_subproject_id AS is_default
       FROM ledgerbee_subprojects s JOIN ledgerbee_projects p ON p.org_id = s.org_id AND p.id = s.project_id
      WHERE s.org_id = $1 AND s.project_id = ANY($2::uuid[]) ORDER BY s.sort_order, s.created_at, s.id`,
    [orgId, projectIds],
  );
  const out = new Map<string, Subproject[]>(projectIds.map((id) => [id, []]));
  for (const r of rows) {
    out.get(r.project_id)!.push({ id: r.id, name: r.name, sortOrder: r.sort_order, budgetHours: hours(r.budget_hours), budgetAmount: r.budget_amount, isDefault: r.is_default });
  }
  return out;
}

async function projectsFrom(db: Queryable, orgId: string, rows: any[]): Promise<Project[]> {
  const subs = await subprojectsOf(db, orgId, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    isArchived: r.is_archived,
    currency: r.currency,
    dimensionId: r.dimension_id,
    defaultSubprojectId: r.default_subproject_id,
    subprojects: subs.get(r.id)!,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    customerId: r.customer_id,
    budgetHours: hours(r.budget_hours),
    budgetAmount: r.budget_amount,
    startDate: r.start_date,
    endDate: r.end_date,
    externalReference: r.external_reference,
    color: r.color,
  }));
}

/** The company's projects by name; archived ones only when asked for. */
export async function listProjects(db: Queryable, orgId: string, includeArchived = false): Promise<Project[]> {
  const rows = await db.query(`SELECT ${PROJECT_COLUMNS} FROM ledgerbee_projects WHERE org_id = $1 AND ($2 OR NOT is_archived) ORDER BY lower(name), id`, [orgId, includeArchived]);
  return projectsFrom(db, orgId, rows);
}

export async function getProject(db: Queryable, orgId: string, id: string, lock = ''): Promise<Project> {
  const rows = await db.query(`SELECT ${PROJECT_COLUMNS} FROM ledgerbee_projects WHERE org_id = $1 AND id = $2 ${lock}`, [orgId, id]);
  if (rows.length === 0) throw refusal('PROJECT_NOT_FOUND', `project ${id} does not exist`, 'id');
  return (await projectsFrom(db, orgId, rows))[0];
}

/** What a project's row stores of its own, beyond ids and times: what create and update set. */
type Fields = Pick<Project, 'name' | 'currency' | 'customerId' | 'budgetHours' | 'budgetAmount' | 'startDate' | 'endDate' | 'externalReference' | 'color' | 'isArchived'>;

/** The fields after `input` is applied to `current` (absent: unchanged; null: cleared), checked. */
async function merged(db: Queryable, orgId: string, input: ProjectInput, current: Fields): Promise<Fields> {
  const take = <K extends keyof Fields & keyof ProjectInput>(key: K): Fields[K] => (input[key] === undefined ? current[key] : (input[key] as Fields[K]));
  const f: Fields = {
    name: input.name === undefined ? current.name : input.name.trim(),
    currency: (input.currency ?? current.currency).toUpperCase(),
    customerId: take('customerId'),
    budgetHours: take('budgetHours'),
    budgetAmount: take('budgetAmount'),
    startDate: take('startDate'),
    endDate: take('endDate'),
    externalReference: input.externalReference === undefined ? current.externalReference : blankToNull(input.externalReference),
    color: input.color === undefined ? current.color : (blankToNull(input.color)?.toUpperCase() ?? null),
    isArchived: take('isArchived'),
  };
  if (!f.name) throw invalid('name', 'name must not be blank');
  if (f.startDate && f.endDate && f.endDate < f.startDate) throw invalid('endDate', 'endDate must not be before startDate');
  if (input.customerId && !(await customerExists(db, orgId, input.customerId))) throw refusal('CUSTOMER_NOT_FOUND', `customer ${input.customerId} does not exist`, 'customerId');
  return f;
}

const fieldValues = (f: Fields) => [f.name, f.currency, f.customerId, f.budgetHours, f.budgetAmount, f.startDate, f.endDate, f.externalReference, f.color, f.isArchived];

/**
 * Creates a project: its dimension category (named after it), the default subproject (a
 * value of that category) and any subprojects given.
 */
export async function createProject(tx: Queryable, dims: ProjectDimensions, orgId: string, input: ProjectInput & { name: string }, now: Date, defaultCurrency: string): Promise<Project> {
  const blank: Fields = { name: '', currency: defaultCurrency, customerId: null, budgetHours: null, budgetAmount: null, startDate: null, endDate: null, externalReference: null, color: null, isArchived: false };
  const f = await merged(tx, orgId, { ...input, isArchived: input.isArchived ?? false }, blank);
  if (f.externalReference !== null) {
    const taken = await tx.query(`SELECT 1 FROM ledgerbee_projects WHERE org_id = $1 AND external_reference = $2`, [orgId, f.externalReference]);
    if (taken.length > 0) throw refusal('PROJECT_EXTERNAL_REFERENCE_ALREADY_EXISTS', `a project with externalReference ${f.externalReference} exists: update it, or upsert with PUT /api/v1/projects`, 'externalReference');
  }
  const id = newId();
  const dimensionId = await dims.createCategory(tx, orgId, f.name, now);
  const defaultId = await dims.createValue(tx, orgId, dimensionId, DEFAULT_SUBPROJECT_NAME, now);
  await tx.query(
    `INSERT INTO ledgerbee_projects (org_id, id, dimension_id, default_subproject_id, name, currency, customer_id, budget_hours, budget_amount, start_date, end_date,
       external_reference, color, is_archived, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
    [orgId, id, dimensionId, defaultId, ...fieldValues(f), now],
  );
  await insertSubproject(tx, orgId, id, defaultId, { name: DEFAULT_SUBPROJECT_NAME, sortOrder: 0 }, now);
  for (const [i, sub] of (input.subprojects ?? []).entries()) {
    const valueId = await dims.createValue(tx, orgId, dimensionId, sub.name.trim(), now);
    await insertSubproject(tx, orgId, id, valueId, { sortOrder: i + 1, ...sub }, now);
  }
  return getProject(tx, orgId, id);
}

async function insertSubproject(tx: Queryable, orgId: string, projectId: string, id: string, s: SubprojectInput & { name: string }, now: Date) {
  await tx.query(
    `INSERT INTO ledgerbee_subprojects (org_id, project_id, id, name, sort_order, budget_hours, budget_amount, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [orgId, projectId, id, s.name.trim(), s.sortOrder ?? 0, s.budgetHours ?? null, s.budgetAmount ?? null, now],
  );
}

/** What an archived project still accepts: being archived or unarchived, nothing else. */
function refuseIfArchived(project: Project, input: ProjectInput | SubprojectInput) {
  const onlyArchiving = Object.entries(input).every(([key, value]) => key === 'isArchived' || value === undefined);
  if (project.isArchived && !onlyArchiving) throw refusal('PROJECT_ARCHIVED', `project ${project.id} is archived (read-only); set isArchived: false first`, 'id');
}

/** PUT /projects/{id}: the fields given change (null clears one); renaming renames its dimension category too. */
export async function updateProject(tx: Queryable, dims: ProjectDimensions, orgId: string, id: string, input: ProjectInput, now: Date): Promise<Project> {
  const current = await getProject(tx, orgId, id, 'FOR UPDATE');
  refuseIfArchived(current, input);
  const f = await merged(tx, orgId, input, current);
  if (f.externalReference !== null && f.externalReference !== current.externalReference) {
    const taken = await tx.query(`SELECT 1 FROM ledgerbee_projects WHERE org_id = $1 AND external_reference = $2 AND id <> $3`, [orgId, f.externalReference, id]);
    if (taken.length > 0) throw refusal('PROJECT_EXTERNAL_REFERENCE_ALREADY_EXISTS', `another project has externalReference ${f.externalReference}`, 'externalReference');
  }
  if (f.name !== current.name) await dims.renameCategory(tx, orgId, current.dimensionId, f.name);
  await tx.query(
    `UPDATE ledgerbee_projects SET (name, currency, customer_id, budget_hours, budget_amount, start_date, end_date, external_reference, color, is_archived, updated_at)
       = ($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) WHERE org_id = $1 AND id = $2`,
    [orgId, id, ...fieldValues(f), now],
  );
  return getProject(tx, orgId, id);
}

/**
 * PUT /projects: creates the project with this externalReference (created: true) or updates
 * it in place. Upserts of one reference are serialised by a transaction-scoped advisory lock,
 * so two at once make one project.
 */
export async function upsertProject(
  tx: Queryable,
  dims: ProjectDimensions,
  orgId: string,
  input: ProjectInput & { name: string; externalReference: string },
  now: Date,
  defaultCurrency: string,
): Promise<{ project: Project; created: boolean }> {
  const reference = input.externalReference.trim();
  if (!reference) throw invalid('externalReference', 'externalReference must not be blank');
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledgerbee.project_ref:' || $1::text), hashtext($2::text))`, [orgId, reference]);
  const rows = await tx.query(`SELECT id FROM ledgerbee_projects WHERE org_id = $1 AND external_reference = $2`, [orgId, reference]);
  if (rows.length > 0) return { project: await updateProject(tx, dims, orgId, rows[0].id, { ...input, externalReference: reference }, now), created: false };
  return { project: await createProject(tx, dims, orgId, { ...input, externalReference: reference }, now, defaultCurrency), created: true };
}

async function subprojectOf(db: Queryable, orgId: string, project: Project, subprojectId: string): Promise<Subproject> {
  const found = project.subprojects.find((s) => s.id === subprojectId);
  if (!found) throw refusal('SUBPROJECT_NOT_FOUND', `project ${project.id} has no subproject ${subprojectId}`, 'subprojectId');
  return found;
}

export async function addSubproject(tx: Queryable, dims: ProjectDimensions, orgId: string, projectId: string, input: SubprojectInput & { name: string }, now: Date): Promise<Subproject> {
  const project = await getProject(tx, orgId, projectId, 'FOR UPDATE');
  refuseIfArchived(project, input);
  const name = input.name.trim();
  if (!name) throw invalid('name', 'name must not be blank');
  const valueId = await dims.createValue(tx, orgId, project.dimensionId, name, now);
  const sortOrder = input.sortOrder ?? Math.max(0, ...project.subprojects.map((s) => s.sortOrder)) + 1;
  await insertSubproject(tx, orgId, projectId, valueId, { ...input, name, sortOrder }, now);
  await touch(tx, orgId, projectId, now);
  return subprojectOf(tx, orgId, await getProject(tx, orgId, projectId), valueId);
}

export async function updateSubproject(tx: Queryable, dims: ProjectDimensions, orgId: string, projectId: string, subprojectId: string, input: SubprojectInput, now: Date): Promise<Subproject> {
  const project = await getProject(tx, orgId, projectId, 'FOR UPDATE');
  const current = await subprojectOf(tx, orgId, project, subprojectId);
  refuseIfArchived(project, input);
  const name = input.name === undefined ? current.name : input.name.trim();
  if (!name) throw invalid('name', 'name must not be blank');
  if (name !== current.name) await dims.renameValue(tx, orgId, project.dimensionId, subprojectId, name);
  await tx.query(`UPDATE ledgerbee_subprojects SET (name, sort_order, budget_hours, budget_amount) = ($3, $4, $5, $6) WHERE org_id = $1 AND id = $2`, [
    orgId,
    subprojectId,
    name,
    input.sortOrder ?? current.sortOrder,
    input.budgetHours === undefined ? current.budgetHours : input.budgetHours,
    input.budgetAmount === undefined ? current.budgetAmount : input.budgetAmount,
  ]);
  await touch(tx, orgId, projectId, now);
  return subprojectOf(tx, orgId, await getProject(tx, orgId, projectId), subprojectId);
}

/** Deletes a subproject and its dimension value; the default one stays, as does one posted lines carry. */
export async function deleteSubproject(tx: Queryable, dims: ProjectDimensions, orgId: string, projectId: string, subprojectId: string, now: Date): Promise<void> {
  const project = await getProject(tx, orgId, projectId, 'FOR UPDATE');
  const current = await subprojectOf(tx, orgId, project, subprojectId);
  refuseIfArchived(project, { name: current.name });
  if (current.isDefault) throw refusal('SUBPROJECT_DEFAULT_NOT_DELETABLE', 'the default subproject cannot be deleted', 'subprojectId');
  await tx.query(`DELETE FROM ledgerbee_subprojects WHERE org_id = $1 AND id = $2`, [orgId, subprojectId]);
  await dims.deleteValue(tx, orgId, project.dimensionId, subprojectId);
  await touch(tx, orgId, projectId, now);
}

const touch = (tx: Queryable, orgId: string, projectId: string, now: Date) => tx.query(`UPDATE ledgerbee_projects SET updated_at = $3 WHERE org_id = $1 AND id = $2`, [orgId, projectId, now]);
