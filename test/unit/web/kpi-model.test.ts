import { describe, expect, it } from 'vitest';
import type { KpiReport, KpiUpdatedFrame } from '../../../web/src/contracts';
import { applyKpiFrame, formatKpi, kpiPath, localDay, renewDelayMs, todayFromReport, todayRange } from '../../../web/src/kpi-model';

// 2026-11-11 17:30 UTC is already 2026-11-12 in Shanghai (UTC+8).
const now = new Date('2026-11-11T17:30:00Z');
const report = (periods: KpiReport['periods']): KpiReport => ({
  shopId: 'peach-glow',
  timeZone: 'Asia/Shanghai',
  granularity: 'day',
  from: '2026-11-10',
  to: '2026-11-12',
  rule: { mode: 'order-first', inquiryWindowDays: 3, version: 0 },
  periods,
  total: { conversion: 'provisional', figures: {}, counters: {} },
});
const frame = (day: string, figures: KpiUpdatedFrame['figures']): KpiUpdatedFrame => ({ type: 'kpi.updated', shopId: 'peach-glow', day, figures, conversion: 'provisional', updatedAt: now.toISOString() });

describe('wall KPI model', () => {
  it('asks for a range of UTC days that holds every zone’s today', () => {
    expect(todayRange(now)).toEqual({ from: '2026-11-10', to: '2026-11-12' });
    expect(kpiPath('peach-glow', now)).toBe('/v1/shops/peach-glow/kpis?from=2026-11-10&to=2026-11-12&granularity=day');
  });

  it('picks the shop-local today out of the report; a day without facts has no figures', () => {
    expect(localDay('Asia/Shanghai', now)).toBe('2026-11-12');
    expect(localDay('UTC', now)).toBe('2026-11-11');
    const periods = [
      { period: '2026-11-11', conversion: 'final' as const, figures: { inquiries: 9 }, counters: {} },
      { period: '2026-11-12', conversion: 'provisional' as const, figures: { inquiries: 2, firstResponseSeconds: 12.4 }, counters: {} },
    ];
    expect(todayFromReport(report(periods), now)).toEqual({ shopId: 'peach-glow', day: '2026-11-12', figures: { inquiries: 2, firstResponseSeconds: 12.4 } });
    expect(todayFromReport(report(periods.slice(0, 1)), now)).toEqual({ shopId: 'peach-glow', day: '2026-11-12', figures: {} });
  });

  it('applies a pushed frame of the same or a later day, ignores an earlier one', () => {
    const today = { shopId: 'peach-glow', day: '2026-11-12', figures: { inquiries: 2 } };
    expect(applyKpiFrame(today, frame('2026-11-12', { inquiries: 3 })).figures).toEqual({ inquiries: 3 });
    expect(applyKpiFrame(today, frame('2026-11-13', {}))).toEqual({ shopId: 'peach-glow', day: '2026-11-13', figures: {} });
    expect(applyKpiFrame(today, frame('2026-11-11', { inquiries: 9 }))).toBe(today);
    expect(applyKpiFrame(undefined, frame('2026-11-12', { inquiries: 1 })).figures).toEqual({ inquiries: 1 });
  });

  it('renews a minute before watchingUntil, sooner when little is left, never at once', () => {
    const t = now.getTime();
    expect(renewDelayMs(new Date(t + 12 * 3600_000).toISOString(), t)).toBe(12 * 3600_000 - 60_000);
    expect(renewDelayMs(new Date(t + 60_000).toISOString(), t)).toBe(30_000);
    expect(renewDelayMs(new Date(t + 90_000).toISOString(), t)).toBe(45_000);
    expect(renewDelayMs(new Date(t + 1000).toISOString(), t)).toBe(1000);
    expect(renewDelayMs(new Date(t - 5000).toISOString(), t)).toBe(1000);
    expect(renewDelayMs('not a date', t)).toBe(60_000);
  });

  it('shows an absent figure as — and never 0; a real 0 stays 0', () => {
    expect(formatKpi('inquiries', undefined)).toBe('—');
    expect(formatKpi('conversionRate', undefined)).toBe('—');
    expect(formatKpi('inquiries', 0)).toBe('0');
    expect(formatKpi('firstResponseSeconds', 12.4)).toBe('12');
    expect(formatKpi('averageResponseSeconds', 30.6)).toBe('31');
    expect(formatKpi('replyQuestionRatio', 1.5)).toBe('1.50');
    expect(formatKpi('conversionRate', 0.125)).toBe('12.5%');
  });
});
