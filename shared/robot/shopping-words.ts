/**
 * Words of Taobao/Tmall shopping and customer service that ICU's dictionary does not keep whole, or cuts
 * against (韵达到 → 韵|达到, 大概要 → 大|概要, 保真不 → 保|真不): the segmenter's user dictionary
 * (match-question.ts `piecesOf`), together with the shop's keywords and the matcher's own word lists.
 * Written from the domain (shared/domain.md: promo rules, shipping, returns, invoices, and the demo
 * categories' product words), not from any labelled question. A word here is only kept whole; what it
 * weighs is still the FAQ's business (a word no entry holds weighs like any unknown word).
 */
export const shoppingWords: readonly string[] = `
快递 物流 快递费 快递员 顺丰 中通 圆通 韵达 申通 极兔 百世 德邦 邮政 京东 菜鸟 驿站 包裹 单号 运单 面单
发货 出货 出库 发出 寄出 寄回 寄过来 寄回来 退回 揽收 揽件 派送 派件 配送 送货 送货上门 上门 到货 签收 收货 收件 代收 丢件 破损 现货 预售 缺货 补货 库存 断货 补发
包邮 运费 邮费 免邮 运费险 偏远地区 江浙沪 时效 加急
满减 跨店 凑单 叠加 上不封顶 封顶 自动 手动 领取 领券 优惠 优惠券 红包 店铺券 大额券 新人券 新客 新人 折扣 打折 满赠 赠品 小样 积分 会员 津贴 购物金
定金 订金 尾款 膨胀 翻倍 抵扣 锁定 截止 入口 付完 付清 补款 补差价 差价 退差价 价保 保价 降价 涨价 便宜 买贵
退货 换货 退款 退换 退换货 七天无理由 无理由 不合适 不满意 不喜欢 不想要 拆封 吊牌 二次销售 售后 售前 客服 人工
发票 开票 专票 普票 电子发票 纸质 增值税 抬头 税号 报销
成分 成分表 酒精 香精 防腐剂 孕妇 孕期 怀孕 哺乳期 喂奶 敏感肌 痘痘肌 干皮 油皮 过敏 刺激 烂脸 泛红 面霜 精华 乳液 水乳 口红 色号 面膜
保质期 生产日期 有效期 过期 临期 开封 开盖 批次 新鲜 保存 存放 冷藏 常温 受潮 密封 避光 阴凉
正品 假货 高仿 专柜 防伪 防伪码 真伪 保真 授权 官方授权 旗舰店
保修 联保 质保 保修期 维修 故障 压缩机 电机 不制冷 安装 安装费 上门安装 预约 辅材 打孔 装机 师傅 冰箱 洗衣机 空调 电视
尺码 尺码表 码数 尺寸 偏大 偏小 宽松 修身 版型 身高 体重 腰围 胸围 肩宽 裤长 衣长
面料 材质 纯棉 棉麻 化纤 涤纶 真丝 羊毛 起球 缩水 掉色 褪色 透气 闷热 机洗 手洗 水洗 干洗
茶叶 新茶 陈茶 春茶 明前 雨前 产地 茶园 添加剂 天然 武夷山 龙井 红茶 绿茶 白茶 普洱
`
  .split(/\s+/)
  .filter((word) => word.length > 0);
