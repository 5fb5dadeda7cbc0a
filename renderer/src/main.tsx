import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { applyTheme, readTheme } from './lib/theme.ts';
import './styles.css';

// The saved theme applies before the first paint.
applyTheme(readTheme());

const container = document.getElementById('root');
if (container === null) {
  throw new Error('index.html has no #root element.');
}
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
