// Text frames of the terminal websocket, validated where they enter the browser.
import type { ClientControl, EndReason, ServerControl } from '../types';

export function parseServerControl(text: string): ServerControl {
  const msg = JSON.parse(text) as { type?: unknown; message?: unknown; expiresAt?: unknown; reason?: unknown; cols?: unknown; rows?: unknown; users?: unknown };
  switch (msg.type) {
    case 'notice':
      if (typeof msg.message !== 'string' || typeof msg.expiresAt !== 'string') throw new Error('notice without message or expiresAt');
      return { type: 'notice', message: msg.message, expiresAt: msg.expiresAt };
    case 'exit':
      if (typeof msg.reason !== 'string') throw new Error('exit without a reason');
      return { type: 'exit', reason: msg.reason as EndReason };
    case 'size':
      if (!Number.isInteger(msg.cols) || !Number.isInteger(msg.rows) || (msg.cols as number) < 1 || (msg.rows as number) < 1)
        throw new Error('size without cols and rows');
      return { type: 'size', cols: msg.cols as number, rows: msg.rows as number };
    case 'expires':
      if (typeof msg.expiresAt !== 'string' || Number.isNaN(Date.parse(msg.expiresAt))) throw new Error('expires without expiresAt');
      return { type: 'expires', expiresAt: msg.expiresAt };
    case 'watchers':
      if (!Array.isArray(msg.users) || !msg.users.every((u) => typeof u === 'string')) throw new Error('watchers without users');
      return { type: 'watchers', users: msg.users as string[] };
    default:
      throw new Error(`unknown control message type ${JSON.stringify(msg.type)}`);
  }
}

export function encodeClientControl(msg: ClientControl): string {
  return JSON.stringify(msg);
}
