// The transport of a live session: one websocket, binary frames for bytes,
// text frames for control. It reconnects after a short network drop for as
// long as the caller says the grant is still usable.
import type { Disposable } from '../disposable';
import type { ServerControl } from '../types';
import { encodeClientControl, parseServerControl } from './protocol';

export type TtyState = 'connecting' | 'open' | 'reconnecting' | 'lost' | 'ended';

export interface TtyHandlers {
  data(bytes: Uint8Array): void;
  control(msg: ServerControl): void;
  state(state: TtyState): void;
}

const retryDelaysMs = [300, 1000, 2000, 3000, 5000];

export function terminalUrl(sessionId: string): string {
  return `${location.origin.replace(/^http/, 'ws')}/api/sessions/${encodeURIComponent(sessionId)}/terminal`;
}

export class Tty implements Disposable {
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private ended = false;
  private size: { cols: number; rows: number } | null = null;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly url: string,
    private readonly canRetry: () => boolean,
    private readonly on: TtyHandlers,
  ) {}

  connect(): void {
    this.on.state(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.attempt = 0;
      this.on.state('open');
      if (this.size) socket.send(encodeClientControl({ type: 'resize', ...this.size }));
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') return this.on.data(new Uint8Array(event.data));
      let msg: ServerControl;
      try {
        msg = parseServerControl(event.data);
      } catch {
        return; // an unknown or malformed control frame is not ours to act on
      }
      if (msg.type === 'exit') this.ended = true;
      this.on.control(msg);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.ended) return this.on.state('ended');
      if (this.attempt >= retryDelaysMs.length || !this.canRetry()) return this.on.state('lost');
      this.on.state('reconnecting');
      this.retryTimer = setTimeout(() => this.connect(), retryDelaysMs[this.attempt++]);
    };
    this.socket = socket;
  }

  /** Keystrokes and pastes; dropped while reconnecting rather than replayed late. */
  send(data: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(this.encoder.encode(data));
  }

  /** Flow control: asks the broker to hold the shell's output, or to go on. */
  hold(paused: boolean): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeClientControl({ type: paused ? 'pause' : 'resume' }));
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeClientControl({ type: 'resize', cols, rows }));
  }

  dispose(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'page closed');
  }
}
