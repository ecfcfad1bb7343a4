import type { FaqEntryBody } from '../../shared/robot/faq';

/**
 * The demo shops' FAQ entries (issue 8 §3), written from the seeds' domain: the questions robots filter
 * in the seeds (promo rules, couriers) plus each category's own (sizes for apparel, ingredients for
 * cosmetics and tea, warranty for appliances). Seeded by `npm start` (infra/local/seed.ts) and used by
 * `npm run robot:accuracy` (scripts/robot-accuracy.ts) against test/fixtures/robot-questions.json.
 */

/** Entries every demo shop has: shipping, promo rules, coupons, returns, invoices. */
const common: Record<string, FaqEntryBody> = {
  courier: {
    questions: ['发什么快递', '默认用哪家快递', '可以指定快递吗', '能发顺丰吗', '用的哪个物流', '快递公司是哪家', '能不能发邮政', '可以换别的快递吗', '顺丰要加钱吗', '大件走什么物流', '我这里只能收邮政', '发京东快递吗'],
    keywords: ['快递', '顺丰', '中通', '圆通', '韵达', '申通', '京东快递', '邮政', 'EMS', '物流公司', '哪家快递', '什么快递', '什么物流', '哪个快递', '补差价'],
    answers: [
      '{buyerName}，{shopName}默认发中通或圆通快递，偏远地区发邮政EMS；顺丰需补差价，下单后联系客服备注哦~',
      '{buyerName}好，我们合作的是中通和圆通，新疆西藏等偏远地区走EMS；想发顺丰可以补运费差价哦。',
    ],
  },
  'ship-time': {
    questions: ['什么时候发货', '多久能发货', '今天下单今天能发吗', '拍了几天了怎么还不发货', '付款后多久发出', '下单以后几天发', '怎么还没发货', '预售款什么时候发', '能不能快点发', '几号发货', '现货吗', '当天能发吗'],
    keywords: ['发货', '发出', '寄出', '出库', '多久发', '什么时候发', '几天发', '还没发', '现货', '48小时'],
    answers: ['{buyerName}，现货付款后48小时内发货；预售商品按商品页标注的时间发货，大促期间会按付款顺序尽快发出哦~'],
  },
  'delivery-time': {
    questions: ['几天能到', '发货后多久到货', '到我这边要几天', '快递路上要走多久', '发出后几天能收到', '寄到新疆要多久', '江浙沪几天到', '这周能收到吗', '多久能送到', '从发货到签收要几天'],
    keywords: ['几天到', '到货', '送到', '多久到', '收到', '几天能到', '多久能到', '路上', '偏远地区', '江浙沪'],
    answers: ['{buyerName}，发货后江浙沪一般1-2天到，其他地区3-5天，偏远地区5-7天；大促期间快递可能会慢1-2天，请谅解~'],
  },
  'free-shipping': {
    questions: ['包邮吗', '运费多少', '偏远地区包邮吗', '满多少包邮', '买一件包不包邮', '要另外付运费吗', '新疆西藏包邮吗', '邮费怎么算', '不满99要运费吗', '免运费吗'],
    keywords: ['包邮', '运费', '邮费', '免邮', '快递费', '满99'],
    answers: ['{buyerName}，全场满99元包邮（新疆、西藏、青海等偏远地区除外），不满99元运费10元哦~'],
  },
  'full-reduction': {
    questions: ['满减怎么算', '双11满减规则是什么', '跨店满减可以叠加吗', '满300减50是怎么减的', '满减需要领吗', '满减是自动减吗', '满减上不封顶吗', '买600能减多少', '满减怎么参加', '凑单能和别的店一起凑吗', '双十一有什么活动', '活动怎么减钱'],
    keywords: ['满减', '跨店', '满300', '减50', '凑单', '叠加', '上不封顶', '自动减', '自动抵扣', '活动规则', '双11', '双十一'],
    answers: [
      '{buyerName}，活动期间每满300减50上不封顶，可以和其他参加跨店满减的店铺一起凑单，下单时自动抵扣，不用领券哦~',
    ],
  },
  deposit: {
    questions: ['定金能退吗', '定金怎么付', '预售定金膨胀是什么意思', '付了定金不想要了', '交了定金还能取消吗', '定金翻倍怎么算', '定金可以抵多少', '定金不付尾款会退吗', '预售要先付定金吗', '不想买了定金退不退'],
    keywords: ['定金', '订金', '预售', '膨胀', '翻倍', '抵扣尾款', '锁定优惠'],
    answers: [
      '{buyerName}，预售商品先付定金锁定优惠，定金可膨胀抵扣尾款；因个人原因未付尾款的，定金不退哦，拍之前请考虑好~',
    ],
  },
  'final-payment': {
    questions: ['尾款什么时候付', '尾款怎么支付', '忘记付尾款了怎么办', '尾款时间是几号', '尾款截止到什么时候', '尾款在哪里付', '定金付了尾款什么时候交', '尾款几点开始', '尾款过时了还能付吗', '补尾款的入口在哪'],
    keywords: ['尾款', '补款', '付尾款', '交尾款', '补尾款', '立即付尾款'],
    answers: ['{buyerName}，尾款在11月1日0点到11月3日23:59支付，在订单里点"立即付尾款"就可以了，建议设置提醒，过时未付定金不退哦~'],
  },
  coupon: {
    questions: ['优惠券在哪领', '优惠券怎么用', '有没有优惠券', '优惠券能和满减一起用吗', '有没有大额券', '店铺券怎么领', '有红包吗', '领的券怎么没用上', '还有券吗', '有没有折扣'],
    keywords: ['优惠券', '券', '红包', '领券', '店铺券', '大额券', '优惠', '折扣'],
    answers: ['{buyerName}，店铺首页和商品详情页都可以领店铺优惠券，下单时自动使用，可以和跨店满减一起用哦~'],
  },
  'price-protection': {
    questions: ['买了降价了能退差价吗', '有价保吗', '保价多少天', '双11前买的会不会亏', '现在买活动时会更便宜吗', '刚买就便宜了能补吗', '价格变低了怎么办', '退差价怎么申请', '过几天会降价吗'],
    keywords: ['价保', '保价', '差价', '降价', '退差价', '补差', '便宜了', '买贵了'],
    answers: ['{buyerName}，活动商品支付后15天内享价保，同款降价可以联系客服申请退差价哦~'],
  },
  returns: {
    questions: ['可以七天无理由退货吗', '怎么退换货', '退货运费谁出', '不合适能退吗', '不喜欢可以退吗', '用不惯能退吗', '拆封了还能退吗', '能换个颜色吗', '不合身能换吗', '退货地址是哪里', '能换货吗', '有运费险吗'],
    keywords: ['退货', '换货', '退换', '七天无理由', '7天无理由', '无理由', '运费险', '能退', '能换', '退回', '调换'],
    answers: ['{buyerName}，签收后7天内商品不影响二次销售都支持无理由退换，订单带运费险的退货运费由保险承担哦~'],
  },
  invoice: {
    questions: ['能开发票吗', '发票怎么开', '可以开专票吗', '发票在哪里申请', '能开公司抬头的发票吗', '电子发票还是纸质的', '报销要发票'],
    keywords: ['发票', '开票', '专票', '普票', '电子发票', '增值税', '报销', '抬头'],
    answers: ['{buyerName}，支持电子普通发票，确认收货后在订单详情里申请开票就可以，1-3个工作日开好哦~'],
  },
};

const cosmetics: Record<string, FaqEntryBody> = {
  ingredients: {
    questions: ['这个有什么成分', '含酒精吗', '有没有香精', '孕妇可以用吗', '敏感肌能用吗', '成分表在哪看', '哺乳期能用吗', '怀孕了能用吗', '痘痘肌能用吗', '会刺激皮肤吗', '有没有添加防腐剂', '面霜的成分是什么'],
    keywords: ['成分', '酒精', '香精', '防腐剂', '孕妇', '怀孕', '孕期', '哺乳期', '敏感肌', '过敏', '刺激', '痘痘肌', '成分表', '耳后试用'],
    answers: ['{buyerName}，成分表在详情页最后一张图；我们的面霜不含酒精和香精，敏感肌可以先在耳后试用，孕期使用建议先咨询医生哦~'],
  },
  'shelf-life': {
    questions: ['保质期多久', '生产日期是什么时候', '开封后能用多久', '是新批次吗', '开盖以后多久用完', '会不会快过期了', '是最近生产的吗', '保质期几年'],
    keywords: ['保质期', '生产日期', '过期', '开封', '开盖', '新鲜', '批次', '临期'],
    answers: ['{buyerName}，未开封保质期3年，都是近半年生产的新鲜批次；开封后建议12个月内用完哦~'],
  },
  authenticity: {
    questions: ['是正品吗', '是不是假货', '有防伪码吗', '保证是真的吗', '和专柜一样吗', '怎么验真伪', '是官方授权的吗'],
    keywords: ['正品', '防伪', '防伪码', '专柜', '真假', '保真', '真伪', '官方授权', '授权'],
    answers: ['{buyerName}，{shopName}是品牌官方授权店铺，保证正品，每件都有防伪码，可以在品牌官网查询哦~'],
  },
};

const appliances: Record<string, FaqEntryBody> = {
  warranty: {
    questions: ['保修多久', '坏了怎么保修', '全国联保吗', '保修期从什么时候算', '坏了找谁修', '过了一年还能免费修吗', '压缩机保几年', '保修期多长时间', '质保几年', '坏了能修吗', '售后电话是多少'],
    keywords: ['保修', '联保', '质保', '维修', '售后服务', '保修期', '免费修', '坏了', '压缩机', '电机', '售后热线', '保几年'],
    answers: ['{buyerName}，整机全国联保3年，主要部件保修6年，保修期从签收日算起；需要维修可以拨打品牌售后热线预约上门哦~'],
  },
  installation: {
    questions: ['包安装吗', '安装收费吗', '什么时候上门安装', '装机要另外给钱吗', '需要自己装吗', '怎么预约安装', '安装师傅什么时候来', '送货上门安装吗', '辅材要钱吗'],
    keywords: ['安装', '上门', '师傅', '装机', '预约安装', '辅材', '自己装', '来装'],
    answers: ['{buyerName}，签收后在订单里预约即可免费上门安装，师傅会提前一天电话联系您；需要的辅材按当地标准收费哦~'],
  },
};

const apparel: Record<string, FaqEntryBody> = {
  size: {
    questions: ['尺码怎么选', '我该穿多大码', '有尺码表吗', '偏大还是偏小', '身高170体重130穿什么码', '平时穿M选哪个', '尺码标准吗', '要不要选大一码', '腰围多少选哪个码', '一米八穿多大'],
    keywords: ['尺码', '码数', '大码', '小码', '多大码', '什么码', '哪个码', '大一码', '身高', '体重', '腰围', '斤', '偏大', '偏小', '宽松', 'S码', 'M码', 'L码', 'XL', 'XXL', '尺码表', 'size'],
    answers: ['{buyerName}，详情页有尺码表，告诉我您的身高体重也可以帮您推荐；我们家版型偏宽松，平时穿M的可以选M哦~'],
  },
  fabric: {
    questions: ['是什么面料', '成分是棉的吗', '会起球吗', '怎么洗', '什么料子', '洗了会缩水吗', '会不会掉色', '能机洗吗', '透气吗', '穿久了起球吗'],
    keywords: ['面料', '材质', '料子', '纯棉', '棉麻', '起球', '洗涤', '水洗', '机洗', '手洗', '掉色', '缩水', '透气'],
    answers: ['{buyerName}，这款是棉麻面料（棉55%麻45%），建议冷水手洗、反面晾干，不要暴晒，不会起球哦~'],
  },
};

const tea: Record<string, FaqEntryBody> = {
  ingredients: {
    questions: ['茶叶是哪里产的', '有添加剂吗', '是今年的新茶吗', '有没有加香精', '是明前茶吗', '是陈茶吗', '茶园在哪', '纯天然的吗'],
    keywords: ['产地', '添加剂', '香精', '新茶', '陈茶', '明前', '原料', '茶园', '武夷山', '春茶', '天然'],
    answers: ['{buyerName}，我们的茶来自武夷山自有茶园，今年春季采摘，纯茶叶无任何添加哦~'],
  },
  'shelf-life': {
    questions: ['保质期多久', '怎么保存', '要放冰箱吗', '开封后多久喝完', '能放多久', '怎么存放不受潮', '需要冷藏吗', '保存方法'],
    keywords: ['保质期', '保存', '存放', '冰箱', '冷藏', '受潮', '密封', '避光', '开封'],
    answers: ['{buyerName}，保质期18个月，开封后请密封避光、放阴凉干燥处，绿茶放冰箱冷藏更好哦~'],
  },
};

/**
 * Double 11 entries of the cosmetics shop, tagged with the promo content set `double11` (issue 10 §2): the
 * robot answers them only while a promo phase naming that set (`routing.contentSet: 'double11'`) is in
 * force for the shop, and then its shipping answer replaces the everyday one.
 */
const double11: Record<string, FaqEntryBody> = {
  'double11-ship-time': {
    contentSet: 'double11',
    questions: ['什么时候发货', '双11什么时候发货', '大促期间多久发货', '今天下单什么时候发'],
    keywords: ['发货', '发出', '双11发货'],
    answers: ['{buyerName}，双11订单量大，11月11日付款的订单会按付款顺序在72小时内发出，预售商品按商品页标注的时间发货，请耐心等待哦~'],
  },
  'double11-gifts': {
    contentSet: 'double11',
    questions: ['双11有什么赠品', '买满送什么', '赠品什么时候发', '有没有小样送'],
    keywords: ['赠品', '小样', '满赠', '送什么'],
    answers: ['{buyerName}，双11期间满299元送同系列旅行装三件套（前1000名再加赠面膜一片），赠品和正装一起发出哦~'],
  },
  'double11-deposit': {
    contentSet: 'double11',
    questions: ['双11定金怎么付', '定金膨胀多少', '双11预售定金能退吗'],
    keywords: ['定金', '订金', '膨胀', '翻倍'],
    answers: ['{buyerName}，双11预售付定金50元抵100元，尾款11月1日0点开始支付；因个人原因未付尾款的定金不退哦~'],
  },
};

/** Per tenant and shop, the entries `npm start` seeds (faqId → entry). */
export const demoFaq: { tenantId: string; shopId: string; entries: Record<string, FaqEntryBody> }[] = [
  { tenantId: 'demo-firm', shopId: 'peach-glow', entries: { ...common, ...cosmetics, ...double11 } },
  { tenantId: 'demo-firm', shopId: 'henggong-appliances', entries: { ...common, ...appliances } },
  { tenantId: 'demo-firm', shopId: 'old-time-apparel', entries: { ...common, ...apparel } },
  { tenantId: 'demo-firm-b', shopId: 'cloud-mist-tea', entries: { ...common, ...tea } },
];
