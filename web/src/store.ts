import { useEffect, useState } from 'preact/hooks';

/** A tiny observable: models call `changed()`, components re-render through `useModel`. */
export class Observable {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  version = 0;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Coalesces a burst of changes (a resume page, 50 live frames) into one render per frame. */
  protected changed(): void {
    this.version += 1;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    });
  }
}

export function useModel<T extends Observable>(model: T): number {
  const [version, setVersion] = useState(model.version);
  useEffect(() => model.subscribe(() => setVersion(model.version)), [model]);
  return version;
}
