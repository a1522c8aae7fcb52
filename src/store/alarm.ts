/**
 * A Durable Object has one alarm, and some have several reasons to wake (a KV write to retry,
 * grant-index collection). Each reason asks to be woken by its time: the alarm moves earlier,
 * never later, and the alarm handler gives every reason its turn, each re-arming itself.
 */
export async function wakeBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current !== null && current <= at) return;
  await storage.setAlarm(at);
}
