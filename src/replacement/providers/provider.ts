// A replacement provider rebuilds a host from its image: after `replace`
// resolves, the host runs a fresh instance and nothing done by hand survives.
export interface ReplaceTarget {
  host: { id: string; name: string; environment: string; instance: number; connectorConfig: Record<string, unknown> };
  image: { name: string; version: string; source: string };
}

export interface ReplacementProvider {
  readonly name: string;
  replace(target: ReplaceTarget): Promise<void>;
}
