/** The handler behind every function of the synthetic test manifest: synthesis only needs something to bundle. */
export const handler = async (): Promise<void> => {};
