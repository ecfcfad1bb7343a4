import type { ReadKpiFigures } from '../kpi/figures';
import { AppError } from '../http/errors';

/**
 * Where production scorecards read KPI figures: the KPI aggregates' `readKpiFigures`
 * (shared/kpi/read-kpi-figures.ts), built on another branch. That module does not exist on this branch,
 * so until it is wired here (at the merge) a scorecard with KPI items answers 503 KPI_UNAVAILABLE and a
 * scorecard without any still works. Tests inject their own ReadKpiFigures.
 */
export class KpiUnavailableError extends AppError {
  constructor() {
    super(503, 'KPI_UNAVAILABLE', 'KPI aggregates not available');
  }
}

export const readKpiFiguresFromAggregates: ReadKpiFigures = async () => {
  throw new KpiUnavailableError();
};
