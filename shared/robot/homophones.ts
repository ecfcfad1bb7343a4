import { pinyin } from 'pinyin-pro';

/**
 * Homophone folding against a shop's own FAQ wording (docs/robot.md). Buyers type with pinyin input
 * methods, so their typos are mostly other characters of the same sound: 快第/块递 for 快递, 法货 for 发货,
 * 尾宽 for 尾款, 九精 for 酒精. A span of two to five characters of the question that is not in the FAQ's
 * text but sounds exactly like one of the FAQ's words (its keywords and the segmenter's words of two or
 * more characters of its questions) becomes that word before the words are cut. Sounds come from
 * `pinyin-pro`, toneless (tones are what the input method lets slip). Only whole words are targets:
 * folding onto any substring of the FAQ turned 有加 into 有价 (from 有价保吗). The fuzzy-pinyin pairs of
 * input methods (zh/z, -ng/-n) were tried and dropped: they folded 赠品 onto 正品. A sound that two
 * different FAQ entries' words share is ambiguous and folds nothing.
 */

const han = /^\p{Script=Han}+$/u;

function syllablesOf(text: string): string[] {
  return pinyin(text, { type: 'array', toneType: 'none' });
}

const spanLengths = [5, 4, 3, 2] as const;

export class HomophoneFolder {
  private readonly spans = new Set<string>();
  /** Sound key → the FAQ span with that sound, or null when two spans share it. */
  private readonly sounds = new Map<string, string | null>();

  /**
   * `texts`: the FAQ's questions and keywords, normalised (simplified, lower case): any span of them is
   * left as it is. `words`: the FAQ's words, the only spans a question's span is folded onto.
   */
  constructor(texts: Iterable<string>, words: Iterable<[word: string, faqId: string]>) {
    for (const text of texts) {
      const chars = [...text];
      for (const length of spanLengths) for (let i = 0; i + length <= chars.length; i++) this.spans.add(chars.slice(i, i + length).join(''));
    }
    const owners = new Map<string, Set<string>>();
    for (const [word, faqId] of words) {
      const length = [...word].length;
      if (length < 2 || length > 5 || !han.test(word)) continue;
      const key = syllablesOf(word).join(' ');
      const known = this.sounds.get(key);
      const owning = owners.get(key) ?? new Set<string>();
      if (known === undefined) this.sounds.set(key, word);
      // Two words that sound alike (定金/订金) fold onto either when one entry holds both; else onto neither.
      else if (known !== null && known !== word && !owning.has(faqId)) this.sounds.set(key, null);
      owners.set(key, owning.add(faqId));
    }
  }

  /**
   * The question with every span that only sounds like one of the FAQ's words replaced by that word. A span
   * starts and ends where the segmenter cut the question (`boundaries`, offsets in characters): 里面有 is
   * 里面|有, so its 面有 is not a mistyped 免邮.
   */
  fold(normalized: string, boundaries: ReadonlySet<number>): string {
    const chars = [...normalized];
    const syllables = syllablesOf(normalized);
    if (syllables.length !== chars.length) return normalized;
    let out = '';
    let i = 0;
    next: while (i < chars.length) {
      for (const length of spanLengths) {
        if (i + length > chars.length || !boundaries.has(i) || !boundaries.has(i + length)) continue;
        const span = chars.slice(i, i + length).join('');
        if (!han.test(span) || this.spans.has(span)) continue;
        const known = this.sounds.get(syllables.slice(i, i + length).join(' '));
        if (known) {
          out += known;
          i += length;
          continue next;
        }
      }
      out += chars[i];
      i++;
    }
    return out;
  }
}
