import type { Stage } from '../conversations/conversation';
import type { HandoffReason, RobotMode, RobotSettings } from './faq';
import { clauseBreak, toSimplifiedText, type FaqMatch } from './match-question';

/**
 * When the FAQ robot answers and when it hands a conversation to a person (issue 8 §3; docs/robot.md).
 * Pure: the orchestration (robot-first.ts) reads and writes, these decide.
 */

/**
 * A buyer asking for a person: 转人工, 人工客服, 找客服, 真人 and their variants ("人工人工", "接人工",
 * "别让机器人回", "有没有活人"), or for someone in charge (找你们领导, 叫负责人来, 店长呢). Checked before the FAQ, so 人工 never reaches the matcher.
 */
// Another person (换个人来跟我说, 让客服小姐姐来回答), the shop's agent by name or nickname; pinyin typed without
// the input method (zhuan ren gong, a whole word: not "Children gong"); the auto-reply named (不要自动回复); a
// person asked to reply (要人回). Each only as a request: 人工费 and 人工智能 are a price and a product, 需要客服审核吗
// and 安装需要人来吗 ask how a service works, 让客服备注顺丰 and 换个人来收货 name someone doing something else.
// Someone in charge only when asked for (找/叫/要 …, … 呢/来/在吗): 店长推荐 and 经理同款 are a shop's own words, not a request.
const personRequest = /人工(?!费|智能|成本)|\bren\s*gong\b|真人|活人|(?:找|叫|(?<!需)要)(?:个|你们)?客服|让(?:个|你们的?)?客服(?:小姐姐|小哥哥)?(?:来|回我|处理)|客服(?:小姐姐|小哥哥)?(?:来|呢|在吗|在不在)|自动回复|(?<!需)要个?人来?(?:回(?:我|复|答|话)?(?!访)|答|说|跟我|处理)|换个?人来?(?:回|跟我|和我|同我|说|答|处理|接待)|机器人|领导|负责人|主管|(?:找|叫|要|让)(?:你们)?(?:店长|经理)|(?:店长|经理)(?:呢|来|在吗|出来)/;

/**
 * A person called for in a clause of its own (人呢？, 有人吗, 客服有人在吗, 喂 有没有人, 换个人吧): 老人呢, 发货的人呢
 * and 家里有人吗 ask about someone else, inside a question the FAQ may answer.
 */
const personCalled = /^(?:喂|亲|哈喽|你好|请问|那个|到底)?(?:客服|店家|老板|卖家|掌柜|店主|你们|店里)?(?:人呢|(?:还)?有人(?:在)?(?:吗|没|不|没有)?|有没有人(?:在)?|换个?人(?:吧|呗|好吗)?)[啊呀吗哦嘛]*$/;

/**
 * Complaints and disputes go to a person at once, never to the robot: 投诉, 差评, 12315 and the
 * consumer-protection channels, legal threats, and refund disputes (退款 with a refusal or a dispute).
 */
const sensitive = /投诉|差评|中评|12315|12345|消协|消费者协会|工商|市场监管|举报|起诉|律师|法院|维权|骗子|骗人|假货|纠纷|曝光/;
const refundDispute = /(退款|退钱|退货).{0,8}(不给|不退|拒绝|凭什么|还没到|没到账|不同意|被拒|拖着|不处理|不理)|(不给|拒绝|不同意|不肯).{0,6}(退款|退钱|退货)/;

export function handoffAsked(text: string): Extract<HandoffReason, 'requested' | 'sensitive'> | undefined {
  // Traditional characters too (轉人工, 投訴): the matcher reads them simplified, so must the hand-off rules.
  const normalized = toSimplifiedText(text);
  if (sensitive.test(normalized) || refundDispute.test(normalized)) return 'sensitive';
  if (personRequest.test(normalized) || normalized.split(clauseBreak).some((clause) => personCalled.test(clause))) return 'requested';
  return undefined;
}

export type RobotTurn =
  | { kind: 'answer'; faqId: string; confidence: number }
  | { kind: 'miss'; misses: number }
  | { kind: 'handoff'; reason: HandoffReason };

/**
 * What the robot does with a buyer's message in a conversation it holds: hand off (asked for a person,
 * a complaint or dispute, a stage that always goes to people, or the misses in a row reached the
 * shop's limit), answer (the best FAQ entry at or above the confidence threshold), or count a miss.
 */
export function robotTurn(input: {
  text: string;
  stage: Stage;
  settings: Pick<RobotSettings, 'confidenceThreshold' | 'missesBeforeHandoff' | 'humanStages'>;
  missesSoFar: number;
  match: (text: string, stage: Stage) => FaqMatch | undefined;
}): RobotTurn {
  const asked = handoffAsked(input.text);
  if (asked) return { kind: 'handoff', reason: asked };
  if (input.settings.humanStages.includes(input.stage)) return { kind: 'handoff', reason: 'stage' };
  const found = input.match(input.text, input.stage);
  if (found && found.confidence >= input.settings.confidenceThreshold) return { kind: 'answer', faqId: found.faqId, confidence: found.confidence };
  const misses = input.missesSoFar + 1;
  if (misses >= input.settings.missesBeforeHandoff) return { kind: 'handoff', reason: 'misses' };
  return { kind: 'miss', misses };
}

/**
 * Whether the robot takes a new conversation: the shop's mode (always; outside its service hours; while
 * more than N wait), or a promo phase's robot-first policy in force (more than N wait). The waiting line
 * is counted only when a rule needs it, and only up to the largest N + 1.
 */
export async function robotTakesNew(input: {
  mode: RobotMode;
  waitingOver?: number | undefined;
  promoWaitingOver?: number | undefined;
  inServiceHours: () => boolean;
  /** How many wait for the stage, counted up to `limit`. */
  waiting: (limit: number) => Promise<number>;
}): Promise<boolean> {
  if (input.mode === 'always') return true;
  if (input.mode === 'outside-service-hours' && !input.inServiceHours()) return true;
  const limits = [input.mode === 'waiting-over' ? input.waitingOver : undefined, input.promoWaitingOver].filter((n): n is number => n !== undefined);
  if (limits.length === 0) return false;
  const smallest = Math.min(...limits);
  if (smallest === 0) return true;
  return (await input.waiting(smallest + 1)) > smallest;
}
