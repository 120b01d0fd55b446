// The default theme, plus KaTeX's stylesheet and fonts from the katex package (no network), and
// the playground's component (used by playground.md).
import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import 'katex/dist/katex.min.css';
import './custom.css';
import Playground from './Playground.vue';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('Playground', Playground);
  },
} satisfies Theme;
