import '@xterm/xterm/css/xterm.css';
import './style.css';
import { App } from './app';

void new App(document.getElementById('app')!).start();
