import { readFileSync } from 'node:fs';
import { demoFaq } from '../infra/local/demo-faq';
import { faqEntryBodySchema } from '../shared/robot/faq';
import { FaqIndex } from '../shared/robot/match-question';
const idx = new Map(demoFaq.map((s) => [s.shopId, new FaqIndex(Object.entries(s.entries).map(([faqId, body]) => ({ faqId, ...faqEntryBodySchema.parse(body) })))]));
const qs = JSON.parse(readFileSync('test/fixtures/robot-questions.json', 'utf8')).questions;
for (const q of qs) { if (q.expect === 'handoff') continue; const i = idx.get(q.shopId)!; const m = i.match(q.text); const ok = q.expect === null ? 'OUT' : m?.faqId === q.expect ? 'ok ' : 'BAD';
  if (q.expect === null || (m && m.confidence < 0.7) || ok === 'BAD') console.log(ok, (m?.confidence ?? 0).toFixed(2), q.expect, m?.faqId, q.text, i.wordsOf(q.text).join('|')); }
