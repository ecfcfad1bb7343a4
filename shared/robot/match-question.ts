import MiniSearch from 'minisearch';
import * as OpenCC from 'opencc-js/t2cn';
import type { Stage } from '../conversations/conversation';
import type { FaqEntry } from './faq';
import { toFaqWording } from './colloquial';
import { HomophoneFolder } from './homophones';
import { shoppingWords } from './shopping-words';

/**
 * Matching a buyer's question against a shop's FAQ (issue 8 §3; docs/robot.md). Words come from
 * `Intl.Segmenter` with the `zh` locale (ICU's dictionary-based word breaker, built into Node 22: no native
 * binary to ship for Lambda arm64), kept whole where they are the shop's keywords; before that, the text is
 * normalised (full width, traditional → simplified with OpenCC) and mistyped homophones are folded onto the
 * FAQ's words (homophones.ts). Ranking from MiniSearch (BM25 over the entries' questions and keywords). On
 * top of the ranking, a confidence in [0, 1]: how much of the question's information the best entry
 * covers, each word weighted by how rare it is among the shop's entries. A question with words the FAQ
 * does not know ("能批发吗", "你们实体店在哪") covers little and is a miss.
 */

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Words that carry no topic in a buyer's question: particles, pronouns, politeness and the generic
 * question words. They are dropped before indexing and matching, so "亲 包邮吗" and "包邮" are the same
 * question.
 */
const fillerWords = new Set(
  '的 了 吗 呢 啊 呀 吧 哦 噢 嘛 啦 么 呗 哈 嗯 额 喔 亲 您 你 我 他 她 它 你们 我们 咱们 我的 你的 你们的 我们的 你家 你们家 这 那 这个 那个 这款 那款 这件 那件 请问 问下 问一下 想问 一下 请 麻烦 谢谢 可以 可 能 能不能 可不可以 会 会不会 是 是不是 有 有没有 没有 不 没 要 想 还 就 都 很 在 家 个 些 下 吧 呢 么 怎么 怎样 怎么样 咋 啥 什么 多少 哪 哪个 哪家 哪里 几 如何 为什么 现在 今天 明天 嘞 哇 哎 诶 宝 宝贝 店家 老板 客服 的话 一个 一起 给 让 把 被 和 跟 与 及 或 还是 吧 呀 么 这么 那么 不会 不了 这些 那些 一些 有些 这边 那边'.split(' '),
);

/**
 * Places in China (provinces, regions and the large cities buyers name): where a parcel goes is not what
 * the question is about (到北京多久, 寄广东要几天: a delivery time), so they weigh nothing, like filler.
 * A place abroad stays an unknown word: 能寄到美国吗 is not answered by the delivery times; so do Hong Kong,
 * Macao and Taiwan (香港, 澳门, 台湾: cross-border shipping, with customs, which no delivery-time answer covers).
 */
const placeWords = new Set(
  '北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 内蒙古 内蒙 广西 西藏 宁夏 新疆 广州 深圳 杭州 南京 苏州 无锡 宁波 温州 成都 武汉 西安 长沙 郑州 济南 青岛 沈阳 大连 哈尔滨 长春 合肥 福州 厦门 南昌 昆明 贵阳 南宁 海口 三亚 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 石家庄 太原 东莞 佛山 珠海 汕头 惠州 中山 泉州 常州 徐州 烟台 洛阳 北方 南方 东北 西北 华南 华北 华东 老家 农村 乡下 村里 县城 镇上'.split(' '),
);

/** OpenCC's traditional → simplified (Taiwan and Hong Kong variants too: 裡 → 里, 麼 → 么), pure JS. */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

/** NFKC (full-width → half-width), lower case, simplified characters: the text before any wording rule. */
export function toSimplifiedText(text: string): string {
  return toSimplified(text.normalize('NFKC').toLowerCase());
}

/**
 * A text as the index sees it: NFKC (full-width → half-width), lower case, simplified characters, in the
 * FAQ's wording (colloquial.ts: slang, dialect, English and Taiwan shopping words). The same on both sides.
 */
export function normalizeText(text: string): string {
  return toFaqWording(toSimplifiedText(text));
}

/**
 * A quantity: a number and a measure word (一盒, 两支, 3瓶, 一件): how many, not what about. 斤 and 米 are
 * not among them (a height and weight ask for a size), nor 天 (七天无理由).
 */
const quantity = /^(\d+|[一二两三四五六七八九十几]+)[个件盒罐支瓶台套条包袋块元次双只片张份箱克]$/;

/**
 * A segmenter's user dictionary: `words` (the domain's shopping words and the matcher's word lists) and the
 * shop's `keywords`, preferred to ICU's cuts where they overlap (below).
 */
export interface UserDictionary {
  /** Kept whole (with `keywords`): may be shared by every index, so it need not hold the keywords. */
  words: ReadonlySet<string>;
  keywords: ReadonlySet<string>;
  longest: number;
}

export function userDictionary(words: Iterable<string>, keywords: Iterable<string> = []): UserDictionary {
  const han = (word: string) => word.length >= 2 && /^\p{Script=Han}+$/u.test(word);
  const keptKeywords = new Set([...keywords].filter(han));
  const kept = new Set([...[...words].filter(han), ...keptKeywords]);
  return { words: kept, keywords: keptKeywords, longest: Math.max(0, ...[...kept].map((word) => word.length)) };
}

/** The words of the matcher's lists and shopping-words.ts, one set for every index (built on first use). */
let staticWords: { words: ReadonlySet<string>; longest: number } | undefined;

/** A shop's user dictionary: the shared static words and the shop's own keywords. */
function shopDictionary(keywords: Iterable<string>): UserDictionary {
  staticWords ??= (() => {
    const { words, longest } = userDictionary([...shoppingWords, ...fillerWords, ...placeWords, ...lightWords, ...timeWords, ...productAttributes, ...neighbouringTopics]);
    return { words, longest };
  })();
  const own = userDictionary([], keywords);
  return { words: staticWords.words, keywords: own.keywords, longest: Math.max(staticWords.longest, own.longest) };
}

interface Piece {
  segment: string;
  index: number;
  isWordLike: boolean;
}

const wordLike = /[\p{L}\p{N}]/u;

/**
 * A normalised text cut into pieces. Without a dictionary, ICU's word breaker. With one, the cut is chosen
 * among ICU's words, the dictionary's words and single characters: the fewest pieces, then the fewest
 * single characters, then the most characters inside the shop's keywords, then inside dictionary words
 * (a shortest-path segmentation, as segmenters with a user dictionary do). ICU cuts e-commerce words
 * against their sense (韵达到 → 韵|达到, 大概要 → 大|概要, 保真不 → 保|真不); the dictionary keeps them, and
 * a phrase keyword does not swallow a word's start (运费多少钱 stays 运费|多少钱, not 运费多少|钱).
 */
function piecesOf(normalized: string, dictionary?: UserDictionary): Piece[] {
  const icu = [...segmenter.segment(normalized)].map((piece) => ({ segment: piece.segment, index: piece.index, isWordLike: piece.isWordLike ?? false }));
  if (!dictionary || dictionary.longest === 0) return icu;
  const n = normalized.length;
  const candidates: Piece[][] = Array.from({ length: n }, () => []);
  for (const piece of icu) candidates[piece.index]!.push(piece);
  for (let i = 0; i < n; i++) {
    const at = candidates[i]!;
    for (let length = Math.min(dictionary.longest, n - i); length >= 2; length--) {
      const word = normalized.slice(i, i + length);
      if ((dictionary.words.has(word) || dictionary.keywords.has(word)) && !at.some((piece) => piece.segment === word)) at.push({ segment: word, index: i, isWordLike: true });
    }
    if (!at.some((piece) => piece.segment.length === 1)) at.push({ segment: normalized[i]!, index: i, isWordLike: wordLike.test(normalized[i]!) });
  }
  // cost[i]: the best cut of normalized[i..]: [pieces, single characters, −keyword characters, −dictionary characters].
  const cost: number[][] = Array.from({ length: n + 1 }, () => [0, 0, 0, 0]);
  const next: (Piece | undefined)[] = new Array(n + 1);
  const better = (x: number[], y: number[]) => {
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return x[k]! < y[k]!;
    return false;
  };
  for (let i = n - 1; i >= 0; i--) {
    let best: number[] | undefined;
    for (const piece of candidates[i]!) {
      const rest = cost[i + piece.segment.length]!;
      const own = [1, piece.segment.length === 1 && piece.isWordLike ? 1 : 0, dictionary.keywords.has(piece.segment) ? -piece.segment.length : 0, dictionary.words.has(piece.segment) || dictionary.keywords.has(piece.segment) ? -piece.segment.length : 0];
      const total = own.map((value, k) => value + rest[k]!);
      if (!best || better(total, best)) {
        best = total;
        next[i] = piece;
      }
    }
    cost[i] = best!;
  }
  const pieces: Piece[] = [];
  for (let i = 0; i < n; i += next[i]!.segment.length) pieces.push(next[i]!);
  return pieces;
}

/**
 * The words of a text as the index sees them: normalised, no filler, no place names. With a `dictionary`
 * (the index's: the shop's keywords, shopping-words.ts and the matcher's word lists), its words are cut
 * first and ICU cuts the rest; without one, ICU alone. Adjacent pieces that together make one of the
 * shop's `vocabulary` words (its keywords) are kept whole (ICU: 发货 → 发|货, 七天无理由 → 七天|无理|由), so a
 * keyword weighs as one rare word rather than two common characters.
 */
export function wordsOf(text: string, vocabulary?: ReadonlySet<string>, dictionary?: UserDictionary): string[] {
  const normalized = normalizeText(text);
  const pieces = piecesOf(normalized, dictionary).filter((piece) => piece.isWordLike);
  const words: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    let word = pieces[i]!.segment;
    if (vocabulary) {
      for (let j = Math.min(pieces.length - 1, i + 4); j > i; j--) {
        const end = pieces[j]!.index + pieces[j]!.segment.length;
        const joined = normalized.slice(pieces[i]!.index, end);
        if (joined.length === end - pieces[i]!.index && vocabulary.has(joined) && pieces.slice(i, j + 1).map((p) => p.segment).join('') === joined) {
          word = joined;
          i = j;
          break;
        }
      }
    }
    // A separable verb of two characters with 了 inside (开了盖, 退了货) is the shop's keyword (开盖, 退货).
    if (vocabulary && word.length === 1 && pieces[i + 1]?.segment === '了' && pieces[i + 2]?.segment.length === 1 && vocabulary.has(word + pieces[i + 2]!.segment)) {
      word += pieces[i + 2]!.segment;
      i += 2;
    }
    // Numbers (a height, a price, a day), in digits or characters, tell no topic: 165 110斤 and 一米六 一百斤
    // keep 斤 and 米, 买600 keeps 买.
    if (!fillerWords.has(word) && !placeWords.has(word) && !/^(\d+(\.\d+)?|[零一二两三四五六七八九十百千万]+)$/.test(word) && !quantity.test(word)) words.push(word);
  }
  return words;
}

/**
 * How close an entry of the promo content set in force must come to the best entry to win over it: during
 * Double 11 the shop's `double11` answer to 什么时候发货 replaces the everyday one although both match
 * alike, and a set entry that matches clearly worse (by more than this) does not.
 */
export const contentSetLead = 0.15;

/**
 * The answer among the candidates (each entry once, in ranking order): the highest confidence (the first on
 * a tie), unless an entry of the content set in force comes within `contentSetLead` of it: then the best such
 * entry, with its own confidence (the threshold still applies to it).
 */
export function chooseAnswer<T extends { confidence: number; ofContentSet: boolean }>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestOfSet: T | undefined;
  for (const candidate of candidates) {
    if (!best || candidate.confidence > best.confidence + 1e-9) best = candidate;
    if (candidate.ofContentSet && (!bestOfSet || candidate.confidence > bestOfSet.confidence + 1e-9)) bestOfSet = candidate;
  }
  return bestOfSet && best && bestOfSet.confidence >= best.confidence - contentSetLead ? bestOfSet : best;
}

/** Where the segmenter cuts a text, in characters (code points, as the homophone folder counts). */
function cutsOf(normalized: string, dictionary?: UserDictionary): { boundaries: Set<number> } {
  const boundaries = new Set<number>([0]);
  let at = 0;
  for (const { segment } of piecesOf(normalized, dictionary)) boundaries.add((at += [...segment].length));
  return { boundaries };
}

export interface FaqMatch {
  faqId: string;
  confidence: number;
  /** MiniSearch's BM25 score of the best question of the entry. */
  score: number;
}

interface IndexedQuestion {
  id: number;
  faqId: string;
  text: string;
  keywords: string;
  /** The neighbouring topics the entry mentions anywhere (`topicsOf`), one word each. */
  topics: string;
}

/**
 * The neighbouring topics (花呗, 分期, 海外, 到账) an entry mentions anywhere in its normalised questions, keywords
 * or answers, also inside a longer word (花呗分期, 海外直邮) or a sentence (退款1-3天原路到账): the entry holds
 * them, so they are matched and weigh as ordinary words. Answers count because the rule is for shops that
 * never speak of a topic: an entry that tells the buyer about it (支持花呗分期, 3天内到账) answers it, whatever
 * its questions say.
 */
function topicsOf(entry: Pick<FaqEntry, 'questions' | 'keywords' | 'answers'>): string[] {
  const text = [...entry.questions, ...entry.keywords, ...entry.answers].map(normalizeText).join(' ');
  return [...neighbouringTopics].filter((word) => text.includes(word));
}

/** One shop's FAQ, indexed: built once per FAQ version and kept in the container (faq-index-cache.ts). */
export class FaqIndex {
  private readonly search: MiniSearch<IndexedQuestion>;
  /** Word → the entries whose questions or keywords hold it: for the word's weight (rarer = more telling). */
  private readonly entriesOfWord = new Map<string, Set<string>>();
  private readonly stageOf = new Map<string, Stage | undefined>();
  private readonly entries = new Map<string, Pick<FaqEntry, 'faqId' | 'answers'>>();
  private readonly homophones: HomophoneFolder;
  /** The shop's keywords: words kept whole when the segmenter cuts them. */
  private readonly vocabulary: Set<string>;
  /** The shop's keywords, single characters too (券, 码): telling words even when short. */
  private readonly keywords: Set<string>;
  /** The segmenter's user dictionary: the keywords, the domain's shopping words and the matcher's word lists. */
  private readonly dictionary: UserDictionary;
  readonly size: number;

  /** Entries of the content set in force (tagged ones): preferred over an untagged entry with a close confidence. */
  private readonly ofContentSet = new Set<string>();

  /**
   * `contentSet`: the promo content set in force for the shop, if any. The index holds the untagged
   * entries and that set's; an entry tagged with another set (or any set when none is in force) is not
   * indexed at all, so it is never answered and its words weigh nothing.
   */
  constructor(entries: readonly Pick<FaqEntry, 'faqId' | 'questions' | 'keywords' | 'stage' | 'enabled' | 'answers' | 'contentSet'>[], contentSet?: string) {
    const enabled = entries.filter((entry) => entry.enabled && (entry.contentSet === undefined || entry.contentSet === contentSet));
    for (const entry of enabled) if (entry.contentSet !== undefined) this.ofContentSet.add(entry.faqId);
    this.size = enabled.length;
    this.keywords = new Set(enabled.flatMap((entry) => entry.keywords.map(normalizeText)));
    this.vocabulary = new Set([...this.keywords].filter((word) => word.length >= 2 && !/\s/.test(word)));
    this.dictionary = shopDictionary(this.vocabulary);
    // Each text once: MiniSearch cuts an entry's keywords again for every question of it.
    const cut = new Map<string, string[]>();
    const tokenize = (text: string) => cut.get(text) ?? cut.set(text, wordsOf(text, this.vocabulary, this.dictionary)).get(text)!;
    this.search = new MiniSearch<IndexedQuestion>({
      fields: ['text', 'keywords', 'topics'],
      storeFields: ['faqId'],
      tokenize: (text, field) => (field === 'topics' ? text.split(' ').filter((word) => word.length > 0) : tokenize(text)),
      // wordsOf already normalised every word.
      processTerm: (term) => term,
      searchOptions: {
        // The question arrives as its words, already cut and folded.
        tokenize: (text) => text.split(' '),
        boost: { keywords: 2 },
        combineWith: 'OR',
        // No fuzzy match: one character off in a Chinese word of two is another word (补货 ≠ 补款, 批发 ≠
        // 开发); mistyped characters are homophones, folded before (homophones.ts).
      },
    });
    const docs: IndexedQuestion[] = [];
    for (const entry of enabled) {
      this.stageOf.set(entry.faqId, entry.stage);
      this.entries.set(entry.faqId, entry);
      const keywords = entry.keywords.join(' ');
      const topics = topicsOf(entry);
      for (const question of entry.questions) docs.push({ id: docs.length, faqId: entry.faqId, text: question, keywords, topics: topics.join(' ') });
      for (const word of [...[...entry.questions, ...entry.keywords].flatMap(tokenize), ...topics]) {
        let set = this.entriesOfWord.get(word);
        if (!set) this.entriesOfWord.set(word, (set = new Set()));
        set.add(entry.faqId);
      }
    }
    this.search.addAll(docs);
    this.homophones = new HomophoneFolder(
      enabled.flatMap((entry) => [...entry.questions, ...entry.keywords]).map(normalizeText),
      enabled.flatMap((entry) => [...entry.keywords.map(normalizeText), ...entry.questions.flatMap(tokenize)].map((word): [string, string] => [word, entry.faqId])),
    );
    // MiniSearch keeps `tokenize` (and so this cache) for the index's life, and never adds again: let it go.
    cut.clear();
  }

  /** An indexed (enabled) entry, for its answers. */
  entry(faqId: string): Pick<FaqEntry, 'faqId' | 'answers'> | undefined {
    return this.entries.get(faqId);
  }

  /**
   * A word's weight: log(1 + entries / entries holding it), so a word every entry has tells little. A word
   * no entry holds (a city, a product name, small talk) weighs as a word held by a third of the entries:
   * it dilutes the match without drowning it. A generic word (`lightWords`: common verbs, adverbs, time and
   * quantity question words) weighs 0.3 of that, unless the shop made it a keyword: 邮费要自己出吗 is about
   * 邮费, not 自己 or 出, and 你们几点下班 is not about 尾款几点开始 although both ask 几点.
   */
  private weightOf(word: string): number {
    const holding = this.entriesOfWord.get(word)?.size ?? 0;
    // A product attribute no entry answers (牌子, 型号, 毫升, 功率) asks for product advice: it weighs as the
    // rarest word of the FAQ, so one FAQ keyword beside it (压缩机是什么牌子的) is not an answer.
    const weight = Math.log(1 + (holding === 0 ? (productAttributes.has(word) || neighbouringTopics.has(word) ? this.size : 3) : this.size / holding));
    return (lightWords.has(word) || timeWords.has(word)) && !this.keywords.has(word) ? weight * lightWeight : weight;
  }

  /** A telling word: one of the shop's keywords, or a word of two characters or more. */
  private telling(word: string): boolean {
    return this.keywords.has(word) || [...word].length > 1;
  }

  /** The words the matcher sees in a question: normalised, homophones folded, cut, no filler. */
  wordsOf(question: string): string[] {
    const normalized = normalizeText(question);
    const { boundaries } = cutsOf(normalized, this.dictionary);
    const words = wordsOf(this.homophones.fold(normalized, boundaries), this.vocabulary, this.dictionary);
    return [...new Set(words.flatMap((word) => this.heldInside(word) ?? [word]))];
  }

  /**
   * The held words inside a word no entry holds, longest first from the left: the cut prefers a list word
   * (保修期, 安装费, 电子发票) to the shop's shorter keyword inside it (保修, 安装, 发票), and a shop that only
   * wrote the short one asks the same question. A product attribute or a neighbouring topic stays whole (发货地
   * is not 发货), and one inside the word is read too (分期付款 → 分期|付款): what it asks is what the FAQ does
   * not answer.
   */
  private heldInside(word: string): string[] | undefined {
    if (word.length < 3 || this.entriesOfWord.has(word) || unanswered(word)) return undefined;
    const held: string[] = [];
    for (let i = 0; i < word.length - 1; ) {
      let length = word.length - i - (i === 0 ? 1 : 0);
      while (length >= 2 && !this.entriesOfWord.has(word.slice(i, i + length)) && !unanswered(word.slice(i, i + length))) length--;
      if (length >= 2) {
        held.push(word.slice(i, i + length));
        i += length;
      } else i++;
    }
    return held.length > 0 ? held : undefined;
  }

  /**
   * The best entry for a question and how confident the match is, or undefined when no word of the
   * question meets the FAQ. Entries written for another stage than the conversation's are passed over.
   */
  match(question: string, stage?: Stage): FaqMatch | undefined {
    const normalized = normalizeText(question);
    if (aboutOwnOrder.test(normalized) || this.aboutOwnRecord(normalized)) return undefined;
    // A long message (a pasted story, 4,000 characters) asks at its end: only its last `longMessage`
    // characters are matched, from a clause's start, so the time per message stays that of a short one.
    const asked = question.length > longMessage ? lastClausesOf(question) : question;
    const clauses = asked.split(clauseBreak);
    // Each clause cut once (the whole question's words are cut apart, with the homophones of its whole text).
    const clauseWords = new Map<number, string[]>();
    const wordsOfClause = (i: number) => clauseWords.get(i) ?? clauseWords.set(i, this.wordsOf(clauses[i]!)).get(i)!;
    const whole = this.matchWords(this.wordsOf(asked), stage);
    // A long question often tells a story and asks at the end (…现在还没动静，到底什么时候能发啊): its last
    // clause that has words is matched on its own too, and the more confident of the two counts.
    for (let i = clauses.length - 1; i > 0; i--) {
      const words = wordsOfClause(i);
      if (words.length === 0) continue;
      // A last clause of generic words only (啥时候还我, 要多久) names no topic: the whole question decides.
      if (words.every((word) => (lightWords.has(word) || timeWords.has(word)) && !this.keywords.has(word))) break;
      // A question whose other clauses have no words is one clause: nothing to add.
      let others = false;
      for (let j = 0; j < i && !others; j++) others = wordsOfClause(j).length > 0;
      if (!others) break;
      const last = this.matchWords(words, stage);
      return last && (!whole || last.confidence > whole.confidence) ? last : whole;
    }
    return whole;
  }

  /** A question about the buyer's own records (`aboutOwnRecordState`, `aboutOwnParcelOrPayment`, below). */
  private aboutOwnRecord(normalized: string): boolean {
    if (aboutOwnRecordState.test(normalized)) return true;
    const span = aboutOwnParcelOrPayment.exec(normalized)?.[0];
    // An entry holding a word of the span (发错, 漏发, 多扣) is the shop's answer to it: the rule is off.
    return span !== undefined && ![...span].some((_, i) => [2, 3].some((length) => i + length <= span.length && this.entriesOfWord.has(span.slice(i, i + length))));
  }

  private matchWords(words: string[], stage?: Stage): FaqMatch | undefined {
    if (words.length === 0 || this.size === 0) return undefined;
    const results = this.search.search(words.join(' '), {
      filter: (result) => {
        const only = this.stageOf.get(String(result.faqId));
        return only === undefined || stage === undefined || only === stage;
      },
    });
    const total = words.reduce((sum, word) => sum + this.weightOf(word), 0);
    if (total === 0) return undefined;
    // BM25 ranks; among its best few, the entry covering the most of the question wins (then the score).
    const candidates: (FaqMatch & { ofContentSet: boolean })[] = [];
    const seen = new Set<string>();
    for (const result of results.slice(0, 12)) {
      const faqId = String(result.faqId);
      if (seen.has(faqId)) continue;
      seen.add(faqId);
      const matched = new Set(result.terms);
      const covered = words.reduce((sum, word) => sum + (matched.has(word) ? this.weightOf(word) : 0), 0);
      // An entry that shares only single characters with the question (店 of 别的店, 件 of 大件) has not
      // matched its topic: 你们有实体店吗 is not a question about 跨店满减.
      const confidence = words.some((word) => matched.has(word) && this.telling(word)) ? Math.min(1, covered / total) : 0;
      candidates.push({ faqId, confidence, score: result.score, ofContentSet: this.ofContentSet.has(faqId) });
    }
    // The question's most telling word is one no entry holds (定金能用花呗付吗: 花呗 outweighs 定金): what it
    // asks is most likely what the FAQ does not answer, so every entry's confidence is lowered.
    // An ordinary unknown word must outweigh every known word of the question: in a small FAQ (3 entries) it
    // weighs as much as a keyword held by one entry, and 冰箱保修多久 is still the warranty question. A product
    // attribute or a neighbouring topic weighs as the FAQ's rarest by design, so a tie is enough for it.
    const heaviestKnown = Math.max(0, ...words.filter((word) => this.entriesOfWord.has(word)).map((word) => this.weightOf(word)));
    const outweighs = (word: string) => this.weightOf(word) > heaviestKnown + (productAttributes.has(word) || neighbouringTopics.has(word) ? -1e-9 : 1e-9);
    if (words.some((word) => !this.entriesOfWord.has(word) && outweighs(word))) for (const candidate of candidates) candidate.confidence *= unknownTopicFactor;
    const chosen = chooseAnswer(candidates);
    return chosen && { faqId: chosen.faqId, confidence: chosen.confidence, score: chosen.score };
  }
}

/**
 * Questions about the buyer's own order, which no FAQ answer can settle (the robot does not see orders):
 * where the parcel is now (到哪了, 在哪里了), looking it up (帮我查一下物流), its tracking number, changing
 * its address, a parcel marked delivered that did not arrive. Never answered from the FAQ: a miss, and then
 * a person.
 */
const aboutOwnOrder = /(到|在)哪(里|儿)?了|查(一)?下.{0,4}(物流|快递|订单|包裹|单号)|帮我查|单号|改.{0,3}地址|地址.{0,2}(写|填)错|签收了.{0,8}没(收到|拿到)/;

/**
 * The state of a record of the buyer's own (我的订单, 我这单, 我付的尾款, 我领的券, 我的退款/申请/发票/包裹) —
 * cancelled, refused, gone, shown wrongly, done yet: only their records can say, so a person must, whatever FAQ
 * words the question holds (我的价保申请被拒了 is no price-protection question). A record noun is required:
 * 我的皮肤很容易被刺激 and 我的脸被晒伤了 ask about a product.
 */
const aboutOwnRecordState = /我(?:的|这|那|付的|买的|拍的|领的|申请的|交的)?[^，。,.!！?？；;\s]{0,6}?(?:订单|单|券|退款|申请|发票|包裹|快递|尾款|定金|款|钱|售后)[^，。,.!！?？；;\s]{0,8}?(?:被|不见|显示|好了没|了没|到哪一步|进度|怎么没)/;

/**
 * Money of the buyer's paid twice or still out, a parcel short or wrong (少了一件, 发错了): a person, unless the
 * shop wrote an entry holding the word (a 发错/漏发 entry answers its own question), see `FaqIndex.aboutOwnRecord`.
 */
const aboutOwnParcelOrPayment = /(付|扣|交|支付)了两次|重复(付|扣|支付)|多扣|少(发|寄)了?|漏发|少了[一两几\d]*[件个样瓶盒支套条包]|发错了?(货|颜色|尺码|码)?/;

/** A product attribute or a neighbouring topic: weighs as the FAQ's rarest word where no entry holds it. */
function unanswered(word: string): boolean {
  return productAttributes.has(word) || neighbouringTopics.has(word);
}

/** The length past which only a message's end is matched (`lastClausesOf`). */
const longMessage = 200;

/** A long message's last `longMessage` characters, from the first clause start inside them (no half word). */
function lastClausesOf(message: string): string {
  const tail = message.slice(-longMessage);
  const start = tail.search(clauseBreak);
  return start >= 0 && start < tail.length - 1 ? tail.slice(start).replace(/^[，。,.!！?？；;~～\s]+/, '') : tail;
}

/** Where a question's clauses end: punctuation (full and half width) and spaces. */
export const clauseBreak = /[，。,.!！?？；;~～\s]+/;

/**
 * The confidence kept when a question's heaviest word is unknown to every entry (a product attribute, a
 * neighbouring topic, or an unknown word beside only common ones): chosen on the four tuning sets (0.5–0.7
 * measured alike; the mildest kept, docs/robot.md).
 */
export const unknownTopicFactor = 0.7;

/** The weight of a generic word against an unknown word's: chosen by the sweep on the tuning sets (docs/robot.md). */
const lightWeight = 0.3;

/**
 * Generic words of buyers' questions: common verbs and adverbs, time and quantity question words. They tell
 * what kind of answer is wanted (a time, a number) but not the topic, so they weigh little (`lightWeight`).
 */
const lightWords = new Set(
  '什么时候 几点 几号 哪天 几年 多少钱 哪家 自己 出 走 去 来 过来 过去 以后 之后 之前 以前 一般 大概 大约 已经 比较 应该 需要 知道 觉得 感觉 东西 这种 这样 那样 情况 时候 一直 然后 但是 因为 所以 如果 结果 本来 后来 其实 真的 特别 非常 有点 太 多 长 少 算 另 弄 搞 办 拿 用 买 拍 到 里面 里 上 那边 这边 家里 朋友 一点 点 一样 还有 另外 又 再 才 刚 刚刚 上次 这次 一次 第一次 时间 问题 能够 得 着 过 看 看到 说 听 问 告诉 帮 帮忙 找 等 等等 大家 别人 人 东西 事 事情 地方 这里 那里 哪里 怎么办 为什么 多久 多长 多大 多少天 几天 几 号 天 年 月 日 点钟 早点 快点 尽快 马上 赶紧 急 急用 着急 估计 可能 大概 也 都 只 只能 只有 就是 还是 或者 而且 并且 同时'.split(' '),
);

/**
 * Attributes of a product that buyers ask about before buying and that a service FAQ does not settle (the
 * product page or a person does): brand and model, capacity, power, dimensions, weight, colours, price.
 * Written from the demo categories (appliances, cosmetics, apparel, tea), not from labelled questions.
 */
const productAttributes = new Set(
  '牌子 品牌 型号 规格 参数 配置 容量 升数 毫升 克重 净含量 功率 能效 能耗 耗电 噪音 静音 变频 定频 频率 尺寸 长宽高 宽度 高度 厚度 重量 颜色 色号 配色 款式 价格 单价 原价 多少钱 产地证 口味 香型 度数'.split(' '),
);

/**
 * Neighbouring services and policies a shop's service FAQ seldom answers and buyers ask about in its words:
 * ways to pay (花呗, 分期, 到付), membership and points, customs, papers other than an invoice (收据, 合同,
 * 检测报告), the service's hours, a product's smell and safety (香味, 甲醛). Like a product attribute, such a
 * word weighs as the FAQ's rarest when no entry holds it, so 定金能用花呗付吗 is not the deposit answer; a
 * shop that writes an entry with the word (a keyword 花呗) makes it an ordinary word again.
 */
const neighbouringTopics = new Set(
  '花呗 分期 信用卡 白条 到付 货到付款 手续费 会员 会员日 积分 等级 淘金币 报关 清关 关税 海关 收据 合同 检测报告 质检报告 证书 上班 下班 营业 营业时间 香味 气味 味道 异味 甲醛 农残 仓库 发货地 到账 国外 海外 境外 出国 港澳台 香港 澳门 台湾 美国 日本 韩国 英国 法国 德国 加拿大 澳洲 澳大利亚 新西兰 新加坡 马来西亚 泰国'.split(' '),
);

/**
 * Days and dates (周五, 下周, 月底, 中秋): they say when, not what about (周五之前能收到吗 asks a delivery
 * time), so they weigh like generic words (`lightWeight`), unless the shop made one a keyword. Product nouns
 * (冰箱, 面霜) were tried the same way and not kept: more out-of-scope questions about a product got answered.
 */
const timeWords = new Set(
  '周一 周二 周三 周四 周五 周六 周日 周末 星期一 星期二 星期三 星期四 星期五 星期六 星期天 星期日 礼拜 这周 下周 上周 本周 月底 月初 下个月 这个月 过年 春节 中秋 国庆 元旦 端午 节前 节后 生日 早上 晚上 中午 下午 上午 昨天 前天 后天 大后天'.split(' '),
);

