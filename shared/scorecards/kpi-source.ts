import type { ReadKpiFigures } from '../kpi/figures';
import { readKpiFigures } from '../kpi/read-kpi-figures';

/**
 * Where production scorecards read KPI figures: the KPI aggregates (shared/kpi, docs/kpi-design.md).
 * Kept as its own module so scorecards depend on the figures contract only; tests inject their own reader.
 */
export const readKpiFiguresFromAggregates: ReadKpiFigures = readKpiFigures;
