/**
 * Runs tasks one after another, each after the previous settled. Sends go through this per conversation:
 * the server numbers messages as their frames arrive and API Gateway invokes handlers concurrently, so two
 * quick sends in flight together could be numbered in the other order than the person typed them.
 */
export class InOrder {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): Promise<void> {
    this.tail = this.tail.then(task, task);
    return this.tail;
  }
}
