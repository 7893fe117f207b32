// Follow TensorBoard's reload button through its plugin postMessage protocol:
// send "experimental.bootstrap" with a MessagePort to the host, then answer
// every message it sends on that port (with isReply) and call `onReload` on
// "experimental.DataReloaded".

interface HostMessage {
  type: string;
  id: number;
  payload: unknown;
  error: string | null;
  isReply: boolean;
}

export function listenForReload(onReload: () => void): void {
  if (window.parent === window) return; // Not inside TensorBoard.
  const channel = new MessageChannel();
  const port = channel.port1;
  port.onmessage = (event: MessageEvent) => {
    let message: HostMessage;
    try {
      message = JSON.parse(String(event.data)) as HostMessage;
    } catch {
      return;
    }
    if (message.isReply) return;
    if (message.type === "experimental.DataReloaded") onReload();
    const reply: HostMessage = { type: message.type, id: message.id, payload: null, error: null, isReply: true };
    port.postMessage(JSON.stringify(reply));
  };
  window.parent.postMessage("experimental.bootstrap", "*", [channel.port2]);
}
