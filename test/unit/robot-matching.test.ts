import { describe, expect, it, vi } from 'vitest';
import { toFaqWording } from '../../shared/robot/colloquial';
import { faqEntryBodySchema } from '../../shared/robot/faq';
import { FaqIndex, unknownTopicFactor, userDictionary, wordsOf } from '../../shared/robot/match-question';

/** The matcher's handling of how buyers really type (docs/robot.md, issue 8 §3). */
const entry = (faqId: string, questions: string[], keywords: string[] = []) => ({ faqId, ...faqEntryBodySchema.parse({ questions, keywords, answers: [`${faqId} 的回答`] }) });
const faq = new FaqIndex([
  entry('courier', ['发什么快递', '能发顺丰吗'], ['快递', '顺丰']),
  entry('ship-time', ['什么时候发货', '多久能发货'], ['发货', '发出']),
  entry('delivery-time', ['几天能到', '寄到新疆要多久'], ['到货', '收到', '几天到']),
  entry('free-shipping', ['包邮吗', '运费多少'], ['包邮', '运费', '邮费']),
  entry('full-reduction', ['满减怎么算', '能和别的店一起凑单吗'], ['满减', '凑单']),
  entry('final-payment', ['尾款几点开始付', '尾款怎么付'], ['尾款']),
  entry('coupon', ['有优惠券吗'], ['优惠券', '券']),
  entry('warranty', ['保修多久'], ['保修', '质保']),
  entry('fabric', ['是什么面料', '透气吗'], ['面料', '透气']),
]);
const answer = (question: string) => faq.match(question);

describe('colloquial wording read as the FAQ is written', () => {
  it.each([
    ['寄啥快递', '寄什么快递'],
    ['肿么还不发货', '怎么还不发货'],
    ['木有优惠券吗', '没有优惠券吗'],
    ['几时发货', '什么时候发货'],
    ['保固多久', '保修多久'],
    ['有效期多久', '保质期多久'],
    ['满三百减五十怎么算', '满减怎么算'],
    ['每满300元减50元吗', '满减吗'],
    ['代金券怎么用', '优惠券怎么用'],
  ])('reads the slang, dialect or regional %s as %s', (typed, meant) => {
    expect(toFaqWording(typed)).toBe(meant);
  });
  it('reads haggling by an amount with a unit as 议价, but not a minimum (至少/最少/不少 N元) or a quantity', () => {
    expect(toFaqWording('便宜十块吧')).toBe('议价吧');
    expect(toFaqWording('能少20块钱吗')).toBe('能议价吗');
    for (const text of ['至少50元才包邮吗', '最少100块起送吗', '不少10元吧', '少2件']) expect(toFaqWording(text)).toBe(text);
  });
  it('replaces English shopping words only as whole words, longest phrase first', () => {
    expect(toFaqWording('可以寄sf吗').replace(/\s/g, '')).toBe('可以寄顺丰吗');
    expect(toFaqWording('shipping fee多少').replace(/\s/g, '')).toBe('运费多少');
    expect(toFaqWording('有coupon吗').replace(/\s/g, '')).toBe('有优惠券吗');
    expect(toFaqWording('sfx')).toBe('sfx');
  });
  it('reads an A-not-A question as A, but leaves the filler forms (是不是, 能不能) alone', () => {
    expect(toFaqWording('包不包邮')).toBe('包邮');
    expect(toFaqWording('料子透不透气')).toContain('透气');
    expect(toFaqWording('是不是正品')).toBe('是不是正品');
  });
  it('answers slang, dialect and mixed-English questions with the entry a plain question gets', () => {
    expect(answer('寄咩快递')?.faqId).toBe('courier');
    expect(answer('可以寄SF吗')?.faqId).toBe('courier');
    expect(answer('有coupon吗')?.faqId).toBe('coupon');
    expect(answer('warranty多久')?.faqId).toBe('warranty');
    expect(answer('包不包邮')).toMatchObject({ faqId: 'free-shipping', confidence: 1 });
  });
});

describe('cutting words with a user dictionary of shopping words before ICU', () => {
  const dictionary = userDictionary(['大概', '韵达', '保真', '快递', '多少钱'], ['运费多少']);
  it('keeps the dictionary\'s words where ICU cuts against them (大|概要, 韵|达到, 保|真不)', () => {
    expect(wordsOf('大概要几天', undefined, dictionary)).toContain('大概');
    expect(wordsOf('大概要几天', undefined, dictionary)).not.toContain('概要');
    expect(wordsOf('韵达到不了', undefined, dictionary)).toContain('韵达');
    expect(wordsOf('保真不', undefined, dictionary)).toContain('保真');
  });
  it('prefers the fewest pieces, then the fewest single characters: a phrase keyword does not swallow the start of a word', () => {
    expect(wordsOf('运费多少钱', new Set(['运费多少']), dictionary)).toEqual(['运费', '多少钱']);
    expect(wordsOf('运费多少', new Set(['运费多少']), dictionary)).toEqual(['运费多少']);
  });
  it('reads a two-character separable verb with 了 inside as the shop\'s keyword (开了盖 → 开盖), but not 付了|尾款', () => {
    expect(wordsOf('开了盖能放多久', new Set(['开盖']))).toContain('开盖');
    expect(wordsOf('定金付了尾款什么时候交', new Set(['付尾款']))).not.toContain('付尾款');
  });
  it('cuts with ICU alone when no dictionary is given', () => {
    expect(wordsOf('大概要几天')).not.toContain('大概');
  });
});

describe('what a question is about', () => {
  it('weighs a product attribute no entry answers (牌子, 毫升) as the rarest word: one keyword beside it is no answer', () => {
    const appliances = new FaqIndex([
      entry('warranty', ['保修多久', '压缩机保几年'], ['保修', '压缩机']),
      entry('installation', ['包安装吗'], ['安装']),
      entry('courier', ['发什么快递'], ['快递']),
      entry('free-shipping', ['包邮吗'], ['包邮']),
      entry('invoice', ['能开发票吗'], ['发票']),
      entry('coupon', ['有优惠券吗'], ['优惠券']),
    ]);
    // An unknown word weighs like one held by a third of the entries (0.58 here); an attribute like the rarest word (0.5).
    expect(appliances.match('压缩机是什么牌子的')!.confidence).toBeLessThanOrEqual(0.5);
    expect(appliances.match('压缩机是什么东东的')!.confidence).toBeGreaterThan(0.55);
    expect(appliances.match('压缩机保修几年')).toMatchObject({ faqId: 'warranty' });
  });
  it('drops numbers written in characters and places in China: they say how many and where, not what about', () => {
    expect(wordsOf('一米六 一百斤')).not.toContain('一百');
    expect(wordsOf('寄到北京要几天')).not.toContain('北京');
    expect(answer('寄到广州要几天')?.faqId).toBe('delivery-time');
  });
  it('keeps a place abroad as an unknown word, so the delivery times do not answer it with confidence', () => {
    expect(answer('能寄到美国吗')!.confidence).toBeLessThan(answer('能寄到广州吗')!.confidence);
  });
  it('weighs generic words lightly: 邮费要自己出吗 is about 邮费, and 几点 alone does not make 你们几点下班 a question about 尾款', () => {
    expect(answer('邮费要自己出吗')!.confidence).toBeGreaterThan(0.6);
    expect(answer('你们几点下班')?.confidence ?? 0).toBeLessThan(0.4);
  });
  it('weighs days and dates lightly: 周五之前能收到吗 asks a delivery time', () => {
    expect(answer('周五之前能收到吗')).toMatchObject({ faqId: 'delivery-time' });
    expect(answer('周五之前能收到吗')!.confidence).toBeGreaterThan(0.55);
  });
  it('answers nothing when the entry shares only a single character that is no keyword (店 of 别的店 in 实体店)', () => {
    expect(answer('你们有实体店吗')?.confidence ?? 0).toBe(0);
    expect(answer('有券吗')).toMatchObject({ faqId: 'coupon' });
    expect(answer('有券吗')!.confidence).toBeGreaterThan(0.55);
  });
  it('never answers a question about the buyer’s own order from the FAQ (where is it, look it up, tracking number, change the address)', () => {
    for (const question of ['我的快递到哪了', '帮我查一下物流', '顺丰单号发我一下', '能帮我改下收货地址吗']) expect(answer(question)).toBeUndefined();
    expect(answer('发什么快递')?.faqId).toBe('courier');
  });
  it('reads haggling by an amount (便宜十块, 少20元) as 议价, a word no entry holds, not as price protection', () => {
    expect(toFaqWording('能不能便宜十块')).toContain('议价');
    expect(toFaqWording('少20元行不行')).toContain('议价');
    expect(toFaqWording('买了就便宜了能补吗')).not.toContain('议价');
  });
  it('keeps Hong Kong, Macao and Taiwan as places no delivery-time answer covers (cross-border shipping)', () => {
    expect(wordsOf('能寄到香港吗')).toContain('香港');
    expect(answer('能寄到香港吗')?.confidence ?? 0).toBeLessThan(0.55);
    expect(answer('能寄到广州吗')!.confidence).toBeGreaterThan(0.55);
  });
  it('never answers the state of the buyer’s own coupon, order, claim or payment (被拒, 不见了, 怎么没减, 付了两次)', () => {
    for (const question of ['我的优惠券怎么不见了', '我这单怎么没减满减', '尾款我付了两次', '我的订单怎么被取消了', '我付的尾款怎么显示没付']) expect(answer(question)).toBeUndefined();
    expect(answer('有优惠券吗')?.faqId).toBe('coupon');
    expect(answer('满减怎么算')?.faqId).toBe('full-reduction');
    expect(answer('尾款怎么付')?.faqId).toBe('final-payment');
  });
  it('weighs a neighbouring topic no entry answers (花呗, 分期, 甲醛) as the rarest word, and lowers every entry when it is the heaviest word', () => {
    expect(answer('尾款能用花呗付吗')?.confidence ?? 0).toBeLessThan(0.55);
    expect(answer('尾款能分期吗')?.confidence ?? 0).toBeLessThan(0.55);
    // 面料 and 甲醛 weigh alike (one entry of nine holds 面料; none holds 甲醛): half the question, then the factor.
    expect(answer('面料有没有甲醛')!.confidence).toBeCloseTo(unknownTopicFactor * 0.5, 5);
    expect(answer('是什么面料')!.confidence).toBe(1);
    // A shop that answers it makes the word an ordinary one again.
    const withPayment = new FaqIndex([...['courier', 'coupon', 'warranty'].map((id) => entry(id, [`${id}?`], [id])), entry('final-payment', ['尾款怎么付'], ['尾款']), entry('pay-later', ['能用花呗吗', '可以分期吗'], ['花呗', '分期'])]);
    expect(withPayment.match('能用花呗吗')).toMatchObject({ faqId: 'pay-later', confidence: 1 });
  });
  it('does not match a last clause of generic words alone (啥时候还我 is no shipping question)', () => {
    expect(answer('运费我先垫了 啥时候还我')?.faqId).not.toBe('ship-time');
    expect(answer('我上周就拍了 啥时候发货')).toMatchObject({ faqId: 'ship-time' });
  });
  it('matches a long story by the question in its last clause when that is more confident', () => {
    const story = '我上个月在朋友家看到你们的衣服，觉得很好看，今天终于下单了，想问一下到底什么时候发货';
    expect(answer(story)).toMatchObject({ faqId: 'ship-time' });
    expect(answer(story)!.confidence).toBeGreaterThan(0.55);
  });
});

describe("a shop's own FAQ, not the demo's", () => {
  // A shop that wrote only the short keyword (保修, not 保修期): the shared word list must not hide it.
  const shortKeywords = new FaqIndex([
    entry('warranty', ['保修多久'], ['保修']),
    entry('installation', ['怎么安装'], ['安装']),
    entry('invoice', ['能开票吗'], ['发票']),
    entry('size', ['尺码怎么选'], ['尺码']),
    entry('authenticity', ['怎么查真假'], ['防伪']),
    entry('courier', ['发什么快递'], ['快递']),
  ]);
  it.each([
    ['保修期多久', 'warranty'],
    ['安装费多少', 'installation'],
    ['能开电子发票吗', 'invoice'],
    ['有尺码表吗', 'size'],
    ['防伪码在哪', 'authenticity'],
    ['快递费多少', 'courier'],
  ])('answers %s from the entry holding the shorter keyword inside its list word', (question, faqId) => {
    const found = shortKeywords.match(question);
    expect(found?.faqId).toBe(faqId);
    expect(found!.confidence).toBeGreaterThanOrEqual(0.55);
  });

  it('reads a neighbouring topic inside an unknown word too (分期付款 → 分期|付款): 付款 alone does not answer it', () => {
    const payments = new FaqIndex([entry('payment', ['怎么付款'], ['付款']), entry('ship-time', ['什么时候发货'], ['发货']), entry('courier', ['发什么快递'], ['快递']), entry('invoice', ['能开发票吗'], ['发票'])]);
    expect(payments.wordsOf('可以分期付款吗')).toEqual(['分期', '付款']);
    const found = payments.match('可以分期付款吗');
    expect(found?.faqId).toBe('payment');
    expect(found!.confidence).toBeLessThan(0.55);
  });
  // A neighbouring topic (花呗, 海外, 到账) the shop speaks of inside a longer word or in an answer is held.
  const neighbouring = new FaqIndex([
    entry('installments', ['支持花呗分期吗'], ['花呗分期', '分期付款']),
    entry('overseas', ['可以海外直邮吗'], ['海外直邮']),
    { ...entry('refund-time', ['退款多久能退回来'], ['退款']), answers: ['原路退回，1-3个工作日到账'] },
    entry('ship-time', ['什么时候发货'], ['发货']),
    entry('deposit', ['定金能退吗'], ['定金']),
  ]);
  it.each([
    ['能用花呗吗', 'installments'],
    ['花呗能分期吗', 'installments'],
    ['能寄海外吗', 'overseas'],
    ['退款多久到账', 'refund-time'],
  ])('answers %s from the entry that mentions its neighbouring topic inside a longer word or in its answer', (question, faqId) => {
    const found = neighbouring.match(question);
    expect(found?.faqId).toBe(faqId);
    expect(found!.confidence).toBeGreaterThanOrEqual(0.55);
  });

  // The own-record rule: only a record of the buyer's (订单, 券, 退款 …), and off where the shop answers the word.
  const ownRecords = new FaqIndex([
    entry('sensitive-skin', ['敏感肌能用吗', '皮肤容易过敏能用吗'], ['敏感肌', '过敏', '刺激']),
    entry('sunburn', ['晒伤了能用吗'], ['晒伤']),
    entry('no-effect', ['用了没效果怎么办'], ['效果']),
    entry('cancel', ['订单怎么取消'], ['取消', '订单']),
  ]);
  const withWrongParcels = new FaqIndex([entry('wrong-parcel', ['发错货了怎么办', '漏发了怎么办'], ['发错', '漏发']), entry('cancel', ['订单怎么取消'], ['取消'])]);
  it.each([
    ['我的皮肤很容易被刺激 这个能用吗', 'sensitive-skin'],
    ['我的脸被晒伤了能用吗', 'sunburn'],
    ['我买的面霜用了没效果怎么办', 'no-effect'],
  ])('answers %s: a question about the buyer, not about a record of theirs', (question, faqId) => {
    expect(ownRecords.match(question)?.faqId).toBe(faqId);
  });
  it.each(['我的订单被取消了', '我这单怎么没取消'])('still leaves %s, the state of the buyer’s own order, to a person', (question) => {
    expect(ownRecords.match(question)).toBeUndefined();
  });
  it('answers 发错/漏发 from a shop entry that holds the word, and leaves them to a person where none does', () => {
    expect(withWrongParcels.match('发错货了怎么办')?.faqId).toBe('wrong-parcel');
    expect(withWrongParcels.match('漏发了一件怎么处理')?.faqId).toBe('wrong-parcel');
    expect(ownRecords.match('发错货了怎么办')).toBeUndefined();
  });

  it('keeps the confidence when an unknown word (冰箱) only ties the known keyword of a 3-entry FAQ', () => {
    const small = new FaqIndex([entry('warranty', ['保修多久'], ['保修']), entry('ship-time', ['什么时候发货'], ['发货']), entry('courier', ['发什么快递'], ['快递'])]);
    const found = small.match('冰箱保修多久');
    expect(found?.faqId).toBe('warranty');
    expect(found!.confidence).toBeGreaterThanOrEqual(0.55);
  });

  it('matches a 4,000-character message by its last clauses only, each cut once', () => {
    const small = new FaqIndex([entry('free-shipping', ['包邮吗'], ['包邮']), entry('ship-time', ['什么时候发货'], ['发货'])]);
    const story = '我上周买了一个东西，朋友说挺好用的，然后我就想再买一个送给我妈妈，'.repeat(130).slice(0, 3990);
    const cut = vi.spyOn(small, 'wordsOf');
    const found = small.match(`${story}，请问包邮吗`);
    expect(found?.faqId).toBe('free-shipping');
    expect(Math.max(...cut.mock.calls.map(([text]) => text.length))).toBeLessThanOrEqual(200);
    expect(new Set(cut.mock.calls.map(([text]) => text)).size).toBe(cut.mock.calls.length);
  });
});
