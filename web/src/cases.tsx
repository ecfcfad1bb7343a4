import { useEffect, useState } from 'preact/hooks';
import { caseOutcomeChoices, caseTargets, caseUrgency, formatCountdown, type CaseBook } from './cases-model';
import type { CaseHead, CaseOutcome, CaseState } from './contracts';
import { caseLabel, t } from './i18n';
import { ShopBadge } from './parts';
import { useModel } from './store';

/** Re-renders every `ms` so countdowns move without any frame arriving. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The agent's after-sales cases: soonest SLA first, each counting down to it, warned ones marked. */
export function CasePanel(props: { book: CaseBook; shopName: (shopId: string) => string }) {
  const { book } = props;
  useModel(book);
  const now = useNow(1000);
  const cases = book.list();
  return (
    <section class="case-pane" aria-label={t('cases')}>
      <h2>
        {t('cases')} <span class="count">{cases.length}</span>
      </h2>
      {book.lastError && (
        <p role="alert" class="error">
          {book.lastError}
        </p>
      )}
      {cases.length === 0 ? <p class="empty">{t('noCases')}</p> : cases.map((head) => <CaseCard key={head.caseId} book={book} head={head} now={now} shopName={props.shopName(head.shopId)} />)}
    </section>
  );
}

function CaseCard(props: { book: CaseBook; head: CaseHead; now: number; shopName: string }) {
  const { book, head } = props;
  const urgency = caseUrgency(head, book.warnings.get(head.caseId), props.now);
  const [to, setTo] = useState<CaseState>(head.state === 'open' ? 'waiting-buyer' : 'open');
  const [outcome, setOutcome] = useState<CaseOutcome>('no-action-needed');
  const [note, setNote] = useState('');
  const needsOutcome = to === 'resolved' || to === 'closed';
  return (
    <article class={`case-card ${urgency.level}`} data-case={head.caseId} data-urgency={urgency.level} data-state={head.state}>
      <header>
        <ShopBadge shopId={head.shopId} name={props.shopName} small />
        <strong>{caseLabel('caseType', head.type)}</strong>
        <span class="case-state">{caseLabel('caseState', head.state)}</span>
      </header>
      {urgency.remainingMs !== undefined && (
        <p class="countdown" role="timer" aria-live="off" data-remaining-s={Math.round(urgency.remainingMs / 1000)}>
          {urgency.level === 'overdue' ? t('caseOverdue', { t: formatCountdown(-urgency.remainingMs) }) : t('caseDueIn', { t: formatCountdown(urgency.remainingMs) })}
          {urgency.level === 'warning' && <span class="case-warning"> · {t('caseWarning')}</span>}
        </p>
      )}
      <p class="muted">
        {head.orderId ?? ''} {head.buyerId ?? ''}
      </p>
      <form
        class="case-move"
        onSubmit={(event) => {
          event.preventDefault();
          void book.transition(head.caseId, to, needsOutcome ? outcome : undefined);
        }}
      >
        <label>
          {t('caseMoveTo')}
          <select value={to} onChange={(e) => setTo((e.currentTarget as HTMLSelectElement).value as CaseState)} name="to">
            {caseTargets
              .filter((state) => state !== head.state)
              .map((state) => (
                <option value={state} key={state}>
                  {caseLabel('caseState', state)}
                </option>
              ))}
          </select>
        </label>
        {needsOutcome && (
          <label>
            {t('caseOutcome')}
            <select value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value as CaseOutcome)} name="outcome">
              {caseOutcomeChoices.map((choice) => (
                <option value={choice} key={choice}>
                  {choice}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit">{t('caseApply')}</button>
      </form>
      <form
        class="case-note"
        onSubmit={(event) => {
          event.preventDefault();
          if (!note.trim()) return;
          void book.addNote(head.caseId, note.trim()).then(() => setNote(''));
        }}
      >
        <label>
          {t('caseNote')}
          <input name="note" value={note} maxLength={2000} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('caseAddNote')}</button>
      </form>
    </article>
  );
}
