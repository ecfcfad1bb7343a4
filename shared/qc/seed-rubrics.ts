import type { PutRubricBody } from './rubric';

/**
 * Demo QC rubrics (issue 9 §2) from the seed articles: Huiyin's 9-step service flow (问候、引导、介绍、催付、
 * 成单、确认、关联销售、结束语、简单售后, seeds/002) as the pre-sale rubric, and the after-sale checklist the
 * adidas team's QC inspects against (售后六部曲, 结束语, 退款意向挽留, 回复精准全面, 服务态度, seeds/001). The
 * articles name the pre-sale "8 steps" and after-sale "6 steps" without listing them, so the demo does
 * not invent them. Input to PUT …/qc/rubrics/{stage}, so they pass the same validation.
 */
export const huiyinNineSteps: PutRubricBody = {
  name: '售前九步服务流程 (Huiyin 9-step flow)',
  passScore: 80,
  items: [
    { itemId: 'greet', title: '问候 Greet', weight: 10, scale: 'yes-no', allowNa: false, critical: false, autoCheck: 'greeting' },
    { itemId: 'guide', title: '引导 Guide to a fitting product', weight: 10, scale: '3-point', allowNa: false, critical: false },
    { itemId: 'introduce', title: '介绍 Introduce the product accurately', weight: 15, scale: '5-point', allowNa: false, critical: false },
    { itemId: 'urge-payment', title: '催付 Urge payment', weight: 10, scale: 'yes-no', allowNa: true, critical: false },
    { itemId: 'close-sale', title: '成单 Close the sale', weight: 10, scale: '3-point', allowNa: true, critical: false },
    { itemId: 'confirm', title: '确认 Confirm address and spec', weight: 10, scale: 'yes-no', allowNa: true, critical: false },
    { itemId: 'cross-sell', title: '关联销售 Cross-sell', weight: 10, scale: '4-point', allowNa: true, critical: false },
    { itemId: 'closing', title: '结束语 Closing phrase', weight: 10, scale: 'yes-no', allowNa: false, critical: false, autoCheck: 'closing' },
    { itemId: 'after-sale-basics', title: '简单售后 Simple after-sale answers', weight: 5, scale: '3-point', allowNa: true, critical: false },
    { itemId: 'no-forbidden-words', title: '禁用语 No forbidden words', weight: 10, scale: 'yes-no', allowNa: false, critical: true, autoCheck: 'forbidden-words' },
  ],
};

export const afterSaleChecklist: PutRubricBody = {
  name: '售后质检 (after-sale QC checklist)',
  passScore: 80,
  items: [
    { itemId: 'greet', title: '问候 Greet', weight: 10, scale: 'yes-no', allowNa: false, critical: false, autoCheck: 'greeting' },
    { itemId: 'accurate-answers', title: '回复精准全面 Accurate and complete answers', weight: 25, scale: '5-point', allowNa: false, critical: false },
    { itemId: 'attitude', title: '服务态度 Attitude', weight: 20, scale: '5-point', allowNa: false, critical: false },
    { itemId: 'refund-retention', title: '退款意向挽留 Refund-retention attempt', weight: 15, scale: 'yes-no', allowNa: true, critical: false, autoCheck: 'refund-retention' },
    { itemId: 'closing', title: '结束语 Closing phrase', weight: 10, scale: 'yes-no', allowNa: false, critical: false, autoCheck: 'closing' },
    { itemId: 'no-forbidden-words', title: '禁用语 No forbidden words', weight: 10, scale: 'yes-no', allowNa: false, critical: true, autoCheck: 'forbidden-words' },
    { itemId: 'no-unapproved-promise', title: '无违规承诺 No unapproved promise', weight: 10, scale: 'yes-no', allowNa: false, critical: true, autoCheck: 'unapproved-promise' },
  ],
};

/** Which demo shops get which rubric (stage → rubric); the second firm's shop gets none, so a missing rubric can be tried. */
export const demoRubrics: { tenantId: string; shopId: string; stage: 'pre-sale' | 'after-sale'; rubric: PutRubricBody }[] = ['peach-glow', 'henggong-appliances', 'old-time-apparel'].flatMap((shopId) => [
  { tenantId: 'demo-firm', shopId, stage: 'pre-sale' as const, rubric: huiyinNineSteps },
  { tenantId: 'demo-firm', shopId, stage: 'after-sale' as const, rubric: afterSaleChecklist },
]);
