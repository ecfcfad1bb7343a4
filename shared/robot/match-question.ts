import MiniSearch from 'minisearch';
import type { Stage } from '../conversations/conversation';
import type { FaqEntry } from './faq';

/**
 * Matching a buyer's question against a shop's FAQ (issue 8 §3; docs/robot.md). Words come from
 * `Intl.Segmenter` with the `zh` locale (ICU's dictionary-based word breaker, built into Node 22: no native
 * binary to ship for Lambda arm64), ranking from MiniSearch (BM25 over the entries' questions and
 * keywords, with its fuzzy matching for one mistyped character in a word). On top of the ranking, a
 * confidence in [0, 1]: how much of the question's information the best entry covers, each word weighted
 * by how rare it is among the shop's entries, a fuzzy match counting half. A question whose words the FAQ
 * does not know ("我的快递到哪了" knows 快递 but not 哪/到) covers little and is a miss.
 */

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Words that carry no topic in a buyer's question: particles, pronouns, politeness and the generic
 * question words. They are dropped before indexing and matching, so "亲 包邮吗" and "包邮" are the same
 * question.
 */
const fillerWords = new Set(
  '的 了 吗 呢 啊 呀 吧 哦 噢 嘛 啦 么 呗 哈 嗯 额 喔 亲 您 你 我 他 她 它 你们 我们 咱们 你家 你们家 这 那 这个 那个 这款 那款 这件 那件 请问 问下 问一下 想问 一下 请 麻烦 谢谢 可以 可 能 能不能 可不可以 会 会不会 是 是不是 有 有没有 没有 不 没 要 想 还 就 都 很 在 家 个 些 下 吧 呢 么 怎么 怎样 怎么样 咋 啥 什么 多少 哪 哪个 哪里 几 如何 为什么 现在 今天 明天 嘞 哇 哎 诶 宝 宝贝 店家 老板 客服 的话 一个 一起 给 让 把 被 和 跟 与 及 或 还是 吧 呀 么'.split(' '),
);

/** The words of a text as the index sees them: NFKC (full-width → half-width), lower case, no filler. */
export function wordsOf(text: string): string[] {
  const normalized = text.normalize('NFKC').toLowerCase();
  const words: string[] = [];
  for (const { segment, isWordLike } of segmenter.segment(normalized)) {
    if (isWordLike && !fillerWords.has(segment)) words.push(segment);
  }
  return words;
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
}

/** One shop's FAQ, indexed: built once per FAQ version and kept in the container (faq-index-cache.ts). */
export class FaqIndex {
  private readonly search: MiniSearch<IndexedQuestion>;
  /** Word → the entries whose questions or keywords hold it: for the word's weight (rarer = more telling). */
  private readonly entriesOfWord = new Map<string, Set<string>>();
  private readonly stageOf = new Map<string, Stage | undefined>();
  private readonly entries = new Map<string, Pick<FaqEntry, 'faqId' | 'answers'>>();
  readonly size: number;

  constructor(entries: readonly Pick<FaqEntry, 'faqId' | 'questions' | 'keywords' | 'stage' | 'enabled' | 'answers'>[]) {
    const enabled = entries.filter((entry) => entry.enabled);
    this.size = enabled.length;
    this.search = new MiniSearch<IndexedQuestion>({
      fields: ['text', 'keywords'],
      storeFields: ['faqId'],
      tokenize: wordsOf,
      // wordsOf already normalised every word.
      processTerm: (term) => term,
      searchOptions: {
        boost: { keywords: 2 },
        combineWith: 'OR',
        // One character off in a word of two or more (快第 → 快递, 尺吗 → 尺码): MiniSearch's Levenshtein.
        fuzzy: (term) => ([...term].length >= 2 ? 1 : false),
        weights: { fuzzy: 0.5, prefix: 0.5 },
      },
    });
    const docs: IndexedQuestion[] = [];
    for (const entry of enabled) {
      this.stageOf.set(entry.faqId, entry.stage);
      this.entries.set(entry.faqId, entry);
      const keywords = entry.keywords.join(' ');
      for (const question of entry.questions) docs.push({ id: docs.length, faqId: entry.faqId, text: question, keywords });
      for (const word of [...entry.questions, ...entry.keywords].flatMap(wordsOf)) {
        let set = this.entriesOfWord.get(word);
        if (!set) this.entriesOfWord.set(word, (set = new Set()));
        set.add(entry.faqId);
      }
    }
    this.search.addAll(docs);
  }

  /** An indexed (enabled) entry, for its answers. */
  entry(faqId: string): Pick<FaqEntry, 'faqId' | 'answers'> | undefined {
    return this.entries.get(faqId);
  }

  /**
   * A word's weight: log(1 + entries / entries holding it), so a word every entry has tells little. A word
   * no entry holds (a city, a product name, small talk) weighs as a word held by a third of the entries:
   * it dilutes the match without drowning it.
   */
  private weightOf(word: string): number {
    const holding = this.entriesOfWord.get(word)?.size ?? 0;
    return Math.log(1 + (holding === 0 ? 3 : this.size / holding));
  }

  /**
   * The best entry for a question and how confident the match is, or undefined when no word of the
   * question meets the FAQ. Entries written for another stage than the conversation's are passed over.
   */
  match(question: string, stage?: Stage): FaqMatch | undefined {
    const words = [...new Set(wordsOf(question))];
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
    let best: FaqMatch | undefined;
    const seen = new Set<string>();
    for (const result of results.slice(0, 12)) {
      const faqId = String(result.faqId);
      if (seen.has(faqId)) continue;
      seen.add(faqId);
      const exact = new Set(result.terms);
      const matched = new Set(result.queryTerms);
      const covered = words.reduce((sum, word) => sum + (matched.has(word) ? (exact.has(word) ? 1 : 0.5) * this.weightOf(word) : 0), 0);
      const confidence = Math.min(1, covered / total);
      if (!best || confidence > best.confidence + 1e-9) best = { faqId, confidence, score: result.score };
    }
    return best;
  }
}
