import { describe, expect, it } from 'vitest';
import { CaseBook, caseUrgency, formatCountdown } from '../../../web/src/cases-model';
import type { CaseHead } from '../../../web/src/contracts';

const t0 = Date.parse('2026-11-11T02:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const head = (over: Partial<CaseHead> = {}): CaseHead => ({
  tenantId: 'demo-firm',
  shopId: 'peach-glow',
  platform: 'taobao',
  caseId: 'case-1',
  type: 'refund-only',
  state: 'open',
  stateSince: iso(t0),
  origin: 'agent',
  ownerId: 'xiaomei',
  warningsSent: [],
  openedAt: iso(t0),
  updatedAt: iso(t0),
  deadline: { startsAt: iso(t0), slaDueAt: iso(t0 + 10 * 3600_000), dueAt: iso(t0 + 12 * 3600_000), source: 'rule' },
  ...over,
});

describe("the workbench's after-sales cases", () => {
  it('counts down to the SLA, turns to warning in the last fifth or on a case.warning frame, and to overdue past it', () => {
    expect(caseUrgency(head(), undefined, t0 + 3600_000)).toEqual({ remainingMs: 9 * 3600_000, level: 'ok' });
    expect(caseUrgency(head(), 'warning', t0 + 3600_000).level).toBe('warning');
    expect(caseUrgency(head(), undefined, t0 + 8.5 * 3600_000).level).toBe('warning');
    expect(caseUrgency(head(), undefined, t0 + 10 * 3600_000 + 1000)).toEqual({ remainingMs: -1000, level: 'overdue' });
    expect(caseUrgency(head({ state: 'resolved' }), 'overdue', t0).level).toBe('none');
    expect(caseUrgency(head({ deadline: undefined }), undefined, t0)).toEqual({ remainingMs: undefined, level: 'none' });
  });

  it('formats countdowns short: days, hours, minutes and seconds, negative when past', () => {
    expect(formatCountdown(2 * 86_400_000 + 3 * 3600_000)).toBe('2d03h');
    expect(formatCountdown(3600_000 + 5 * 60_000)).toBe('1h05m');
    expect(formatCountdown(4 * 60_000 + 30_000)).toBe('4m30s');
    expect(formatCountdown(-3 * 60_000)).toBe('-3m00s');
  });

  it('reads the list, applies case frames newest-wins, marks warnings, and drops finished cases or cases given to someone else', async () => {
    const api = {
      pages: [{ cases: [head({ caseId: 'b', deadline: undefined })], nextCursor: 'n1' }, { cases: [head({ caseId: 'a' })] }],
      asked: [] as string[],
      get: async <T,>(path: string) => {
        api.asked.push(path);
        return api.pages.shift() as T;
      },
      post: async <T,>() => ({}) as T,
    };
    const book = new CaseBook(api, 'xiaomei');
    await book.reload();
    expect(api.asked).toEqual(['/v1/me/cases?limit=100', '/v1/me/cases?limit=100&cursor=n1']);
    expect(book.list().map((c) => c.caseId)).toEqual(['a', 'b']);

    expect(book.receive({ type: 'case.opened', case: head({ caseId: 'c', updatedAt: iso(t0 + 1) }) } as never)).toBe(true);
    expect(book.receive({ type: 'case.warning', caseId: 'a', kind: 'warning', case: head({ caseId: 'a', updatedAt: iso(t0 + 2) }) } as never)).toBe(true);
    expect(book.warnings.get('a')).toBe('warning');
    // An older update arriving late changes nothing.
    book.receive({ type: 'case.updated', case: head({ caseId: 'a', state: 'waiting-buyer', updatedAt: iso(t0 + 1) }) } as never);
    expect(book.cases.get('a')!.state).toBe('open');
    book.receive({ type: 'case.updated', case: head({ caseId: 'a', state: 'resolved', outcome: 'refunded', updatedAt: iso(t0 + 3) }) } as never);
    book.receive({ type: 'case.updated', case: head({ caseId: 'c', ownerId: 'someone-else', updatedAt: iso(t0 + 3) }) } as never);
    expect([...book.cases.keys()]).toEqual(['b']);
    expect(book.warnings.size).toBe(0);
    expect(book.receive({ type: 'message' })).toBe(false);
  });

  it('moves a case and adds a note through the HTTP API, keeping the answer, and shows a refusal', async () => {
    const posted: [string, unknown][] = [];
    const api = {
      get: async <T,>() => ({ cases: [head()] }) as T,
      post: async <T,>(path: string, body: unknown) => {
        posted.push([path, body]);
        if (path.endsWith('/notes')) throw new Error('CASE_TIMELINE_FULL');
        return head({ state: 'waiting-buyer', updatedAt: iso(t0 + 5) }) as T;
      },
    };
    const book = new CaseBook(api, 'xiaomei');
    await book.reload();
    await book.transition('case-1', 'waiting-buyer', undefined, '已请买家补充照片');
    expect(book.cases.get('case-1')!.state).toBe('waiting-buyer');
    await book.addNote('case-1', '买家说包装破损');
    expect(posted).toEqual([
      ['/v1/cases/case-1/transitions', { to: 'waiting-buyer', note: '已请买家补充照片' }],
      ['/v1/cases/case-1/notes', { text: '买家说包装破损' }],
    ]);
    expect(book.lastError).toBe('CASE_TIMELINE_FULL');
  });
});
