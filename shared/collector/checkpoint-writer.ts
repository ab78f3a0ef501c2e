import type { Checkpoint, CheckpointState, CheckpointStore } from '../ports/checkpoint-store.ts';

/**
 * The run's view of its checkpoint: every save is a conditional write on the version last read or
 * written, so the checkpoint never moves backwards and never overwrites another runner's progress.
 */
export class CheckpointWriter {
  private current: Checkpoint | undefined;
  private currentVersion = 0;

  constructor(
    private readonly store: CheckpointStore,
    readonly tenantKey: string,
  ) {}

  get checkpoint(): Checkpoint | undefined {
    return this.current;
  }

  get version(): number {
    return this.currentVersion;
  }

  async load(): Promise<void> {
    this.current = await this.store.load(this.tenantKey);
    this.currentVersion = this.current?.version ?? 0;
  }

  /** The persisted state without the store's bookkeeping fields. */
  state(): CheckpointState {
    const {
      tenant: _t,
      version: _v,
      updatedAt: _u,
      ...state
    } = this.current ?? {
      tenant: '',
      version: 0,
      updatedAt: '',
    };
    return state;
  }

  async save(state: CheckpointState): Promise<void> {
    const saved = await this.store.save(this.tenantKey, stripUndefined(state), this.currentVersion);
    this.current = saved;
    this.currentVersion = saved.version;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
