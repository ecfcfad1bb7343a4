/**
 * Buyers' colloquial wording, rewritten into the words a shop's FAQ is written in (docs/robot.md), before
 * homophones are folded and words cut. Written from how buyers type on Taobao/Qianniu chat, not from any
 * labelled question: internet slang (啥, 咋, 木有, 肿么, 神马), dialect question words (Cantonese 咩, 几时,
 * 几耐, 边度; Sichuan 莫得, 啷个; Northeastern 咋整), Taiwan and Hong Kong shopping words (保固, 宅配, 鉴赏期,
 * 折价券; the text is already simplified by OpenCC), the common English shopping words typed in between
 * (coupon, sf, refund, size), and everyday synonyms of the FAQ's own nouns (有效期 for 保质期, 到手 for 收到).
 * Only whole English words are replaced; Chinese replacements are plain substrings, so each one is chosen
 * to be unambiguous inside any buyer question (大一号 → 大一码, never 号 alone, which is also a date).
 */

/** Chinese spans (already simplified, lower case) → the FAQ's word. Longer spans are tried first. */
const chinese: Record<string, string> = {
  // Internet slang and its typed-by-sound spellings.
  啥: '什么',
  神马: '什么',
  什麽: '什么',
  咋: '怎么',
  肿么: '怎么',
  怎莫: '怎么',
  木有: '没有',
  没得: '没有',
  莫得: '没有',
  么得: '没有',
  冇: '没有',
  酱紫: '这样',
  // Dialect question words.
  几时: '什么时候',
  几耐: '多久',
  多耐: '多久',
  好耐: '多久',
  乜嘢: '什么',
  咩: '什么',
  点样: '怎么',
  点解: '为什么',
  边度: '哪里',
  边个: '哪个',
  啷个: '怎么',
  哪儿: '哪里',
  哪旮旯: '哪里',
  咋整: '怎么办',
  咋办: '怎么办',
  咋弄: '怎么办',
  几多: '多少',
  // Taiwan and Hong Kong shopping words.
  保固: '保修',
  宅配: '快递',
  鉴赏期: '七天无理由',
  折价券: '优惠券',
  折价卷: '优惠券',
  优惠码: '优惠券',
  优惠卷: '优惠券',
  优惠劵: '优惠券',
  // Everyday synonyms of the FAQ's nouns and phrases.
  有效期: '保质期',
  保鲜期: '保质期',
  出厂日期: '生产日期',
  到手: '收到',
  布料: '面料',
  料子: '面料',
  码子: '尺码',
  大一号: '大一码',
  小一号: '小一码',
  大一个号: '大一码',
  小一个号: '小一码',
  真货: '正品',
  正货: '正品',
  行货: '正品',
  质保期: '保修期',
  包运费: '包邮',
  免邮费: '包邮',
  退运费: '运费险',
  快递钱: '快递费',
  忘了: '忘记',
  // More of the trade's everyday words for the FAQ's nouns (Taobao/Tmall usage).
  快件: '快递',
  代金券: '优惠券',
  抵用券: '优惠券',
  购物津贴: '跨店满减',
  三包: '保修',
  包修: '保修',
  原装正品: '正品',
  原装: '正品',
  退掉: '退货',
  // Haggling (便宜点, 少点) asks for a lower price, not about price protection: a word no FAQ entry holds.
  便宜点: '议价',
  便宜一点: '议价',
  便宜些: '议价',
  便宜一些: '议价',
  少点钱: '议价',
  少一点钱: '议价',
  抹个零: '议价',
  抹零: '议价',
  忘掉: '忘记',
};

/** English shopping words (whole words, any case) → the FAQ's word. Multi-word phrases are tried first. */
const english: Record<string, string> = {
  'free shipping': '包邮',
  'shipping fee': '运费',
  'delivery fee': '运费',
  'price protection': '价保',
  'final payment': '尾款',
  'shelf life': '保质期',
  'expiry date': '保质期',
  'after sales': '售后',
  'after-sales': '售后',
  sf: '顺丰',
  jd: '京东',
  express: '快递',
  courier: '快递',
  postage: '运费',
  shipping: '发货',
  ship: '发货',
  delivery: '到货',
  deliver: '送到',
  coupon: '优惠券',
  coupons: '优惠券',
  voucher: '优惠券',
  discount: '折扣',
  deposit: '定金',
  presale: '预售',
  balance: '尾款',
  ddl: '截止',
  deadline: '截止',
  refund: '退款',
  return: '退货',
  returns: '退货',
  exchange: '换货',
  invoice: '发票',
  receipt: '发票',
  fapiao: '发票',
  warranty: '保修',
  guarantee: '保修',
  repair: '维修',
  install: '安装',
  installation: '安装',
  material: '面料',
  fabric: '面料',
  cotton: '纯棉',
  alcohol: '酒精',
  fragrance: '香精',
  ingredients: '成分',
  ingredient: '成分',
  original: '正品',
  authentic: '正品',
  genuine: '正品',
  expire: '过期',
  expired: '过期',
  expiry: '保质期',
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const byLength = (words: string[]) => [...words].sort((a, b) => b.length - a.length);
const chinesePattern = new RegExp(byLength(Object.keys(chinese)).map(escape).join('|'), 'g');
// Latin words are delimited by anything but a letter (Chinese characters included: 可以寄sf吗).
const englishPattern = new RegExp(`(?<![a-z])(?:${byLength(Object.keys(english)).map((w) => escape(w).replace(/ /g, '\\s+')).join('|')})(?![a-z])`, 'g');

/**
 * The A-not-A question (包不包邮, 透不透气, 合适不合适) asks about A: 包邮, 透气, 合适. One or two characters
 * repeated around 不; the rest of the word follows unchanged.
 */
const aNotA = /(\p{Script=Han}{1,2})不\1/gu;
/** A-not-A forms that are themselves filler words of the matcher (是不是, 能不能, 会不会, 要不要): left as they are. */
const fillerANotA = new Set(['是', '能', '会', '要', '可以', '对', '好']);

/** A spelled-out promo rule (满300减50, 每满三百减五十) is what shops call 满减. */
const amount = '[\\d零一二两三四五六七八九十百千万]+(?:元|块)?';
const fullReduction = new RegExp(`每?满${amount}减${amount}`, 'g');
/**
 * Haggling by an amount (便宜十块, 便宜50元, 少20块) asks for a lower price: 议价, like 便宜点. The unit is required
 * (少2件 is a quantity), and 至少/最少/不少 N元 state a minimum, not a haggle.
 */
const hagglingByAmount = new RegExp(`(?<![至最不])(?:便宜|少)[\\d零一二两三四五六七八九十百千万]+(?:块钱|元|块)`, 'g');

/** A normalised (NFKC, lower case, simplified) question in the FAQ's words; spaces around English words kept. */
export function toFaqWording(normalized: string): string {
  return normalized
    .replace(aNotA, (span, a: string) => (fillerANotA.has(a) ? span : a))
    .replace(fullReduction, '满减')
    .replace(hagglingByAmount, '议价')
    .replace(englishPattern, (word) => ` ${english[word.replace(/\s+/g, ' ')] ?? word} `)
    .replace(chinesePattern, (span) => chinese[span] ?? span);
}
