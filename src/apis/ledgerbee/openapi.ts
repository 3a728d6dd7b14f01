/**
 * The LedgerBee document names its DTOs: every schema titled `…Dto` moves to
 * `components.schemas` under its title and is referenced from where it was (the route
 * schemas stay inline TypeBox, so they remain the request types). Works on a copy.
 */
export function dtoComponents<T extends object>(document: T): T {
  const components: Record<string, unknown> = {};
  const hoist = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(hoist);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = hoist(value);
    const title = out.title;
    if (typeof title !== 'string' || !title.endsWith('Dto') || out.type === undefined) return out;
    const { description, ...schema } = out;
    if (!(title in components)) components[title] = schema;
    return typeof description === 'string' ? { $ref: `#/components/schemas/${title}`, description } : { $ref: `#/components/schemas/${title}` };
  };
  const doc = document as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const paths = hoist(doc.paths);
  const sorted = Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)));
  return { ...document, paths, components: { ...doc.components, schemas: { ...doc.components?.schemas, ...sorted } } } as T;
}
