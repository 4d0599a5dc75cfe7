export const SRC: string;
export const DIST: string;
export const STAMP: string;
/** Whether `stamp` marks no finished build, or a file under `src` (or one of `also`) changed after it. */
export function stale(src?: string, stamp?: string, also?: string[]): boolean;
/** Compiles src/ to dist/ and copies the plain modules tsc does not emit. */
export function build(): void;
/** Builds when stale(), after saying so through `say`. */
export function buildIfStale(say: (message: string) => void): void;
