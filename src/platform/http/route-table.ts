import type { RouteOptions } from 'fastify';
import { isWriteHandler } from './write.ts';

/** One route of a surface, as the guarantee suite and the contract check see it. */
export interface RouteEntry {
  surface: string;
  method: string;
  url: string;
  operationId: string | null;
  summary: string | null;
  tags: string[];
  /** The scope an API key needs; null for public routes and session-only ones. */
  scope: string | null;
  public: boolean;
  /** Declared to need no scope (any credential of the surface). */
  noScope: boolean;
  /** Goes through the write runner (`write(...)`). */
  write: boolean;
  /** A POST that changes nothing (a log-in, the MCP endpoint that runs each tool call itself). */
  readOnly: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function routeEntry(surface: string, route: RouteOptions): RouteEntry[] {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
  const schema = (route.schema ?? {}) as { operationId?: string; summary?: string; tags?: string[] };
  const config = (route.config ?? {}) as { scope?: string; public?: boolean; noScope?: boolean; readOnly?: boolean };
  return methods.map((method) => ({
    surface,
    method,
    url: route.url,
    operationId: schema.operationId ?? null,
    summary: schema.summary ?? null,
    tags: schema.tags ?? [],
    scope: config.scope ?? null,
    public: config.public === true,
    noScope: config.noScope === true,
    write: isWriteHandler(route.handler),
    readOnly: config.readOnly === true,
  }));
}

/**
 * What a route owes every client and every other route: an operation id, a summary and tags
 * for the OpenAPI document, and, when it can change something, the write runner. Empty when
 * the route keeps its contract.
 */
export function contractProblems(entry: RouteEntry): string[] {
  const problems: string[] = [];
  if (!entry.operationId) problems.push('no operationId');
  if (!entry.summary) problems.push('no summary');
  if (entry.tags.length === 0) problems.push('no tags');
  if (WRITE_METHODS.has(entry.method) && !entry.write && !entry.readOnly) problems.push('a write that bypasses the write runner');
  return problems;
}
