// Checks every response a test receives against the OpenAPI document the broker
// serves (status and body), so the document cannot drift from what the API does.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

export class Contract {
  private readonly ajv = addFormats.default(new Ajv({ strict: false, allErrors: true }));
  private readonly routes: { pattern: RegExp; methods: Record<string, Operation> }[];
  private readonly compiled = new Map<object, ValidateFunction>();

  constructor(doc: Document) {
    this.routes = Object.entries(doc.paths).map(([p, methods]) => ({
      pattern: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      methods,
    }));
  }

  static async fetch(baseUrl: string): Promise<Contract> {
    const res = await fetch(`${baseUrl}/api/openapi.json`);
    return new Contract((await res.json()) as Document);
  }

  /** Why this response breaks the document, or undefined when it matches (or is not an /api JSON response). */
  problem(method: string, url: string, status: number, contentType: string | null, body: unknown): string | undefined {
    const path = url.split('?')[0]!;
    if (!path.startsWith('/api/') || path === '/api/openapi.json') return undefined;
    const route = this.routes.find((r) => r.pattern.test(path));
    if (!route) return status === 404 ? undefined : `${method} ${path}: not in the OpenAPI document`;
    const op = route.methods[method.toLowerCase()];
    if (!op) return status === 404 || status === 405 ? undefined : `${method} ${path}: method not in the OpenAPI document`;
    const responses = op.responses ?? {};
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!declared) return `${method} ${path}: status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`;
    if (!contentType?.includes('application/json')) return undefined;
    const schema = declared.content?.['application/json']?.schema;
    if (!schema) return `${method} ${path}: ${status} has a JSON body but the document gives it no schema`;
    let validate = this.compiled.get(schema);
    if (!validate) this.compiled.set(schema, (validate = this.ajv.compile(schema)));
    if (validate(body)) return undefined;
    return `${method} ${path} ${status}: body does not match the document: ${this.ajv.errorsText(validate.errors)}`;
  }
}
