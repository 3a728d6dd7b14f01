import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors.ts';

/**
 * Objects and arrays may nest this deep in a request. Every body the APIs define is a few
 * levels deep; free-form metadata gets the rest. Past it, serialisation and validation recurse
 * until the stack overflows.
 */
export const MAX_NESTING = 64;

export interface InputProblem {
  field: string;
  message: string;
}

const fieldOf = (path: (string | number)[]) =>
  path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');

const nulMessage = (field: string) => `${field || 'the request body'} must not contain a NUL character (\\u0000)`;

/**
 * The first piece of `value` no surface can accept: a string or property name holding a NUL
 * character (PostgreSQL text and jsonb cannot store one), or nesting past `maxNesting`.
 * Iterative, so the check itself cannot overflow the stack.
 */
export function findInputProblem(value: unknown, maxNesting = MAX_NESTING, root: (string | number)[] = []): InputProblem | null {
  // Nearly every body is clean: a walk that keeps only depths says so without building a path per value (a 100-event meter batch has ~500).
  if (isAcceptable(value, maxNesting)) return null;
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field: fieldOf(path), message: nulMessage(fieldOf(path)) };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length - root.length >= maxNesting) {
      const field = fieldOf(path.slice(0, root.length + 1));
      return { field, message: `${field || 'the request body'} is nested more than ${maxNesting} levels deep` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i];
      if (key.includes('\u0000')) return { field: fieldOf(path), message: `${fieldOf(path) || 'the request body'} has a property name with a NUL character (\\u0000)` };
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return null;
}

/** Whether `value` has none of the problems `findInputProblem` names (depth counted from `value`). */
function isAcceptable(value: unknown, maxNesting: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return false;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxNesting) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      if (key.includes('\u0000')) return false;
      values.push((v as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return true;
}

/** Throws the problem as a validation error of the surface that owns the route. */
export function assertAcceptableInput(value: unknown, root: (string | number)[] = []): void {
  const problem = findInputProblem(value, MAX_NESTING, root);
  if (problem) throw new DomainError('validation', problem.message, problem.field || undefined);
}

/**
 * Checks path parameters, the query string and the parsed body of every request before its
 * schema runs. Registered on the root, so every surface (and its error envelope) has it.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    assertAcceptableInput(request.params);
    assertAcceptableInput(request.query);
    assertAcceptableInput(request.body);
  });
}
