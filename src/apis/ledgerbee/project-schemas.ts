import { Type } from 'typebox';
import { NAME } from '../../platform/http/validation.ts';
import { BodyDto, Day, Dto, MinorUnits, Nullable, Timestamp, Uuid } from './schemas.ts';
import type { Project, ProjectInput, Subproject, SubprojectInput } from '../../ledgerbee/project-store.ts';
import type { ProjectProfit } from '../../ledgerbee/project-profit.ts';

/* Projects, subprojects and project profit: DTOs and views. Budgets are hours (to the hundredth) and øre. */

const Hours = Type.Number({ minimum: 0, maximum: 1e9, description: 'Hours (kept to the hundredth).' });
const Budget = MinorUnits('Budget in minor units of the project currency.');
const Name = Type.String({ ...NAME, maxLength: 100, description: 'Also the name of the dimension category behind the project (2–100 characters, unique among categories).' });

const subprojectFields = {
  name: Type.String({ ...NAME, maxLength: 100 }),
  sortOrder: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  budgetHours: Nullable(Hours),
  budgetAmount: Nullable(Budget),
};
export const CreateSubprojectDto = BodyDto('CreateSubprojectDto', {
  name: subprojectFields.name,
  sortOrder: Type.Optional(subprojectFields.sortOrder),
  budgetHours: Type.Optional(subprojectFields.budgetHours),
  budgetAmount: Type.Optional(subprojectFields.budgetAmount),
});
export const UpdateSubprojectDto = BodyDto('UpdateSubprojectDto', {
  name: Type.Optional(subprojectFields.name),
  sortOrder: Type.Optional(subprojectFields.sortOrder),
  budgetHours: Type.Optional(subprojectFields.budgetHours),
  budgetAmount: Type.Optional(subprojectFields.budgetAmount),
});
export const SubprojectDto = Dto('SubprojectDto', {
  id: { ...Uuid, description: 'Also the id of its dimension value: tag journal lines with it.' },
  name: Type.String(),
  sortOrder: Type.Integer(),
  budgetHours: Nullable(Type.Number()),
  budgetAmount: Nullable(Budget),
  isDefault: Type.Boolean(),
});

const projectFields = {
  currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code of the budget amounts (default: the company’s).' }),
  customerId: Nullable(Uuid),
  budgetHours: Nullable(Hours),
  budgetAmount: Nullable(Budget),
  startDate: Nullable(Day),
  endDate: Nullable(Day),
  externalReference: Nullable(Type.String({ maxLength: 200, description: 'Your system’s reference: unique per company; the upsert’s key.' })),
  color: Nullable(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'Hex colour, #RRGGBB.' })),
  isArchived: Type.Boolean({ description: 'Archived projects are read-only and hidden from the list unless includeArchived=true.' }),
};
const optional = <T extends Record<string, any>>(fields: T) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };

export const CreateProjectDto = BodyDto('CreateProjectDto', {
  name: Name,
  ...optional(projectFields),
  subprojects: Type.Optional(Type.Array(CreateSubprojectDto, { maxItems: 100, description: 'Made after the default subproject.' })),
});
export const UpdateProjectDto = BodyDto('UpdateProjectDto', { name: Type.Optional(Name), ...optional(projectFields) }, 'The fields given change; null clears an optional one.');
export const UpsertProjectDto = BodyDto('UpsertProjectDto', {
  ...optional(projectFields),
  name: Name,
  externalReference: Type.String({ ...NAME, maxLength: 200, description: 'The key: the project with it is updated, or one is created.' }),
});

export const ProjectDto = Dto('ProjectDto', {
  id: Uuid,
  name: Type.String(),
  isArchived: Type.Boolean(),
  currency: Type.String(),
  dimensionId: { ...Uuid, description: 'The dimension category that backs the project; subprojects are its values.' },
  defaultSubprojectId: Uuid,
  subprojects: Type.Array(SubprojectDto, { description: 'Sorted by sortOrder.' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  customerId: Nullable(Uuid),
  budgetHours: Nullable(Type.Number()),
  budgetAmount: Nullable(Budget),
  startDate: Nullable(Day),
  endDate: Nullable(Day),
  externalReference: Nullable(Type.String()),
  color: Nullable(Type.String()),
});

const Amounts = {
  revenue: MinorUnits('Revenue: credits less debits on REVENUE accounts, in øre of the company currency.'),
  costs: MinorUnits('Costs: debits less credits on EXPENSE accounts.'),
  profit: MinorUnits('revenue − costs.'),
};
export const ProjectProfitDto = Dto('ProjectProfitDto', {
  projectId: Uuid,
  currency: Type.String({ description: 'The company currency the ledger keeps.' }),
  fromDate: Nullable(Day),
  toDate: Nullable(Day),
  ...Amounts,
  subprojects: Type.Array(Dto('SubprojectProfitDto', { subprojectId: Uuid, name: Type.String(), ...Amounts })),
});
export const ProfitQuery = Type.Object(
  { fromDate: Type.Optional({ ...Day, description: 'Postings dated on or after (inclusive).' }), toDate: Type.Optional({ ...Day, description: 'Postings dated on or before (inclusive).' }) },
  { additionalProperties: false },
);

/** Wire budgets (JSON integers) as the domain's bigints. */
export function projectInput<T extends { budgetAmount?: number | null; subprojects?: { budgetAmount?: number | null }[] }>(body: T): ProjectInput & Omit<T, 'budgetAmount' | 'subprojects'> {
  const { budgetAmount, subprojects, ...rest } = body;
  return { ...rest, ...(budgetAmount === undefined ? {} : { budgetAmount: budgetAmount === null ? null : BigInt(budgetAmount) }), ...(subprojects ? { subprojects: subprojects.map(subprojectInput) as any } : {}) } as any;
}
export function subprojectInput<T extends { budgetAmount?: number | null }>(body: T): SubprojectInput & Omit<T, 'budgetAmount'> {
  const { budgetAmount, ...rest } = body;
  return { ...rest, ...(budgetAmount === undefined ? {} : { budgetAmount: budgetAmount === null ? null : BigInt(budgetAmount) }) } as any;
}

const amount = (v: bigint | null) => (v === null ? null : Number(v));
export const subprojectView = (s: Subproject) => ({ ...s, budgetAmount: amount(s.budgetAmount) });
export const projectView = (p: Project) => ({
  ...p,
  budgetAmount: amount(p.budgetAmount),
  subprojects: p.subprojects.map(subprojectView),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});
export const profitView = (p: ProjectProfit) => ({
  ...p,
  revenue: Number(p.revenue),
  costs: Number(p.costs),
  profit: Number(p.profit),
  subprojects: p.subprojects.map((s) => ({ ...s, revenue: Number(s.revenue), costs: Number(s.costs), profit: Number(s.profit) })),
});
