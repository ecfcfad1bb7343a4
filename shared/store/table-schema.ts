/**
 * The single DynamoDB table: attribute and index names, shared by the runtime, the CDK data stack and
 * the local stack so the three can never disagree. Access patterns are listed in docs/access-patterns.md.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after this (connections, tickets, claims). */
  timeToLiveAttribute: 'expiresAt',
  /** Every item says what it is, so a scan of a partition stays readable. */
  entityAttribute: 'entity',
  indexes: {
    /**
     * Owner index: agents by group, open conversations by assigned agent, waiting conversations by shop
     * and stage. Keys only: a conversation head changes on every message, and an ALL projection would
     * double its write cost; readers BatchGet the few items they need.
     */
    gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
    /** Day index: conversations an agent served on a day (response-time facts, KPIs). */
    gsi2: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
  },
} as const;

export type IndexName = keyof typeof tableSchema.indexes;
