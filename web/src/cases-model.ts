import type { CaseHead, CaseOutcome, CasePage, CaseState, CaseWarningFrame, CaseOpenedFrame, CaseUpdatedFrame } from './contracts';
import type { Api } from './session';
import { Observable } from './store';

/** Where a case stands against its SLA, for the countdown and its colour. */
export interface CaseUrgency {
  /** ms until `deadline.slaDueAt`; negative once past; undefined without a deadline. */
  remainingMs: number | undefined;
  /** `overdue` past the SLA; `warning` after a case.warning frame or inside the last fifth of the window. */
  level: 'none' | 'ok' | 'warning' | 'overdue';
}

/** What an agent may ask for; the server's state machine has the last word (a 409 with its code otherwise). */
export { caseStates as caseTargets, caseOutcomes as caseOutcomeChoices } from '../../shared/after-sales/case-enums';
const finished: ReadonlySet<CaseState> = new Set(['resolved', 'closed']);

export function caseUrgency(head: CaseHead, warned: CaseWarningFrame['kind'] | undefined, now: number): CaseUrgency {
  const deadline = head.deadline;
  if (!deadline || finished.has(head.state)) return { remainingMs: undefined, level: 'none' };
  const due = Date.parse(deadline.slaDueAt);
  const remainingMs = due - now;
  if (remainingMs <= 0 || warned === 'overdue') return { remainingMs, level: 'overdue' };
  const window = due - Date.parse(deadline.startsAt);
  const late = window > 0 && remainingMs <= window * 0.2;
  return { remainingMs, level: warned === 'warning' || late ? 'warning' : 'ok' };
}

/** `2h05m`, `4m30s`, `-3m`: a countdown that stays short on a narrow pane. */
export function formatCountdown(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${sign}${days}d${String(hours).padStart(2, '0')}h`;
  if (hours > 0) return `${sign}${hours}h${String(minutes).padStart(2, '0')}m`;
  return `${sign}${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * The agent's unfinished after-sales cases (GET /v1/me/cases), kept current by the case frames the socket
 * brings (case.opened, case.updated, case.warning) and read again after every reconnect (frames sent
 * while the socket was down are not replayed). Acting on a case goes through the HTTP API.
 */
export class CaseBook extends Observable {
  readonly cases = new Map<string, CaseHead>();
  readonly warnings = new Map<string, CaseWarningFrame['kind']>();
  lastError: string | undefined;

  constructor(
    private readonly api: Pick<Api, 'get' | 'post'>,
    private readonly userId: string,
  ) {
    super();
  }

  async reload(): Promise<void> {
    const all: CaseHead[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.api.get<CasePage>(`/v1/me/cases?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...page.cases);
      cursor = page.nextCursor;
    } while (cursor);
    this.cases.clear();
    for (const head of all) this.cases.set(head.caseId, head);
    for (const id of [...this.warnings.keys()]) if (!this.cases.has(id)) this.warnings.delete(id);
    this.changed();
  }

  /** A case frame from the socket; anything else is ignored. Returns whether it was one. */
  receive(frame: { type?: string }): boolean {
    if (frame.type === 'case.opened' || frame.type === 'case.updated') {
      this.upsert((frame as CaseOpenedFrame | CaseUpdatedFrame).case);
      return true;
    }
    if (frame.type === 'case.warning') {
      const warning = frame as CaseWarningFrame;
      this.upsert(warning.case);
      if (this.cases.has(warning.caseId)) this.warnings.set(warning.caseId, warning.kind);
      this.changed();
      return true;
    }
    return false;
  }

  /** Keeps a newer version only; a finished case or one handed to someone else leaves the list. */
  private upsert(head: CaseHead): void {
    const known = this.cases.get(head.caseId);
    if (known && known.updatedAt > head.updatedAt) return;
    if (finished.has(head.state) || (head.ownerId !== undefined && head.ownerId !== this.userId)) {
      this.cases.delete(head.caseId);
      this.warnings.delete(head.caseId);
    } else {
      if (known && known.state !== head.state) this.warnings.delete(head.caseId);
      this.cases.set(head.caseId, head);
    }
    this.changed();
  }

  /** Soonest SLA first; cases without a deadline last, oldest first. */
  list(): CaseHead[] {
    const due = (head: CaseHead) => head.deadline?.slaDueAt ?? '9999';
    return [...this.cases.values()].sort((a, b) => due(a).localeCompare(due(b)) || a.openedAt.localeCompare(b.openedAt));
  }

  async transition(caseId: string, to: CaseState, outcome?: CaseOutcome, note?: string): Promise<void> {
    await this.act(() => this.api.post<CaseHead>(`/v1/cases/${encodeURIComponent(caseId)}/transitions`, { to, ...(outcome ? { outcome } : {}), ...(note ? { note } : {}) }));
  }

  async addNote(caseId: string, text: string): Promise<void> {
    await this.act(() => this.api.post<CaseHead>(`/v1/cases/${encodeURIComponent(caseId)}/notes`, { text }));
  }

  private async act(call: () => Promise<CaseHead>): Promise<void> {
    try {
      this.lastError = undefined;
      this.upsert(await call());
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.changed();
    }
  }
}
