// The command lines of a recording, for the player's markers: each line the
// user entered (Enter in the input), labelled with what was typed, or with the
// prompt line on screen when the line was edited or recalled (arrows, Tab).
// Lines typed inside a full-screen program (vi, less: the alternate screen) are
// not commands. Pure: no DOM.
import type { Cast } from './asciicast';

export interface CommandMarker {
  t: number;
  kind: 'command';
  label: string;
  /** Index of the Enter's input event. */
  event: number;
}

const MAX_LINE = 300;
const inputEscape = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)/;
const outputEscape = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]|[()][0-9A-Za-z])/g;

export function commandsOf(cast: Cast): CommandMarker[] {
  const found: CommandMarker[] = [];
  let typed = '';
  let edited = false;
  let screenLine = '';
  let altScreen = false;
  cast.events.forEach((e, index) => {
    if (e.code === 'o') {
      for (const m of e.data.matchAll(/\x1b\[\?(?:1049|1047|47)([hl])/g)) altScreen = m[1] === 'h';
      for (const ch of e.data.replace(outputEscape, '')) {
        if (ch === '\n' || ch === '\r') screenLine = '';
        else if (ch === '\b') screenLine = screenLine.slice(0, -1);
        else if (ch >= ' ' && screenLine.length < MAX_LINE) screenLine += ch;
      }
      return;
    }
    if (e.code !== 'i') return;
    for (let i = 0; i < e.data.length; i++) {
      const ch = e.data[i];
      if (ch === '\r' || ch === '\n') {
        const line = (edited ? screenLine : typed).trim();
        if (line && !altScreen) found.push({ t: e.t, kind: 'command', label: line, event: index });
        typed = '';
        edited = false;
      } else if (ch === '\x1b') {
        const m = inputEscape.exec(e.data.slice(i));
        if (m) i += m[0].length - 1;
        edited = true;
      } else if (ch === '\x7f' || ch === '\b') typed = typed.slice(0, -1);
      else if (ch === '\x15' || ch === '\x03') {
        typed = '';
        edited = false;
      } else if (ch === '\t') edited = true;
      else if (ch >= ' ' && typed.length < MAX_LINE) typed += ch;
    }
  });
  return found;
}
