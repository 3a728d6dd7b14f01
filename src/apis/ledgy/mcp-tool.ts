import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { isSafeNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { DomainError } from '../../platform/errors.ts';
import { compileInput } from '../../platform/http/validation.ts';
import type { ToolContext } from './mcp.ts';

/*
 * The machinery of Ledgy's MCP tools (mcp-tools.ts), on the SDK's low-level server: each tool
 * is a TypeBox schema for its input, listed as the JSON Schema it is and checked by the
 * project's ajv set-up (platform/http/validation.ts), as route input is; then the scope its
 * REST twin needs; then the work.
 */

export const readOnly: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
export const writes: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

export interface ToolSpec<S extends TObject> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  /** The scope the caller needs: its REST twin's. */
  scope: string;
  input: S;
  run(args: Static<S>, context: ToolContext): Promise<Record<string, unknown>>;
}

export interface Tool extends Omit<ToolSpec<TObject>, 'run'> {
  /** The input schema as tools/list shows it. */
  listed: { type: 'object' };
  check(args: unknown): unknown;
  run(args: unknown, context: ToolContext): Promise<Record<string, unknown>>;
}

/** A schema as published in tools/list: JSON Schema, without the wording meant for our own errors. */
const published = (schema: TObject) => JSON.parse(JSON.stringify(schema, (key, value) => (key === 'errorMessage' ? undefined : value))) as { type: 'object' };

/** A tool, its input validator compiled once (servers are made per request). */
export function tool<S extends TObject>(spec: ToolSpec<S>): Tool {
  return { ...spec, listed: published(spec.input), check: compileInput(spec.input), run: spec.run as Tool['run'] };
}

/** No input. */
export const NoInput = Type.Object({});

/** The same fields, each given the description an MCP client shows its model. */
export function described<P extends TProperties>(properties: P, descriptions: { [K in keyof P]?: string }): P {
  const out: TProperties = { ...properties };
  for (const [key, description] of Object.entries(descriptions)) {
    if (description) out[key] = Type.With(properties[key], { description });
  }
  return out as P;
}

// ---- tool results --------------------------------------------------------------------

/**
 * The view as JSON text, exact (money is LosslessNumber), and the same value as
 * structuredContent when every number in it survives as a JS number; otherwise the text
 * alone carries it, rather than a rounded copy.
 */
function ok(view: Record<string, unknown>): CallToolResult {
  const text = stringifyLossless(view) ?? '{}';
  let structured: Record<string, unknown> | undefined;
  try {
    structured = parseLossless(text, null, (digits) => {
      if (!isSafeNumber(digits)) throw new Error('unsafe');
      return Number(digits);
    }) as Record<string, unknown>;
  } catch {
    structured = undefined;
  }
  return { content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) };
}

const failure = (message: string): CallToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** The REST message: "Account not found" (with the field it came from), else as the domain says it. */
function domainMessage(error: DomainError): string {
  if (error.code !== 'not_found') return error.message;
  const message = error.message.replace(/^(\w)/, (c) => c.toUpperCase());
  return error.field ? `${message} (${error.field})` : message;
}

/**
 * One call: the arguments checked against the tool's schema, then the scope, then the work.
 * Every refusal is a tool error (isError), as the SDK's McpServer gave them; anything that is
 * not a domain error is logged and answered as an internal error.
 */
async function call(tool: Tool | undefined, name: string, args: unknown, scopes: readonly string[], context: ToolContext): Promise<CallToolResult> {
  // The text McpServer gave for an unknown tool.
  if (!tool) return failure(`MCP error -32602: Tool ${name} not found`);
  let input: unknown;
  try {
    input = tool.check(args ?? {});
  } catch (error) {
    return failure(`Invalid arguments for tool ${name}: ${(error as Error).message}`);
  }
  if (!scopes.includes(tool.scope)) return failure(`Forbidden: this token lacks the scope ${tool.scope}`);
  try {
    return ok(await tool.run(input, context));
  } catch (error) {
    if (error instanceof DomainError) return failure(domainMessage(error));
    context.log.error({ err: error }, 'MCP tool failed');
    return failure('Internal server error');
  }
}

/** A server answering tools/list and tools/call with these tools, acting for the context's user. */
export function toolServer(tools: readonly Tool[], context: ToolContext): Server {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const server = new Server({ name: 'ledgy', title: 'Ledgy', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({ name: t.name, title: t.title, description: t.description, inputSchema: t.listed, annotations: t.annotations })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    call(byName.get(request.params.name), request.params.name, request.params.arguments, extra.authInfo?.scopes ?? [], context),
  );
  return server;
}
