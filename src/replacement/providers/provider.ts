// A replacement provider rebuilds a host from its image: after `replace`
// resolves, the host runs a fresh instance and nothing done by hand survives.
export interface ReplaceTarget {
  host: { id: string; name: string; environment: string; instance: number; connectorConfig: Record<string, unknown>; instanceRef?: string | null };
  image: { name: string; version: string; source: string };
}

/** What a provider knows of the instance that replaced the host (cloud providers). */
export interface NewInstance {
  instanceId: string;
  address?: string;
}

export interface ReplaceContext {
  replacementId: string;
  attempt: number;
  /** Audits one step of the replacement (`replacement.step`), in its own transaction. */
  step(name: string, data?: Record<string, unknown>): Promise<void>;
}

export interface ReplacementProvider {
  readonly name: string;
  /** Resolves to the new instance where the provider knows it (cloud providers), else to nothing. */
  // biome-ignore lint/suspicious/noConfusingVoidType: local providers resolve to nothing at all
  replace(target: ReplaceTarget, ctx?: ReplaceContext): Promise<void | NewInstance>;
}
