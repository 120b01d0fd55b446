// The default theme, plus KaTeX's stylesheet and fonts from the katex package (no network).
import DefaultTheme from 'vitepress/theme';
import 'katex/dist/katex.min.css';
import './custom.css';

export default DefaultTheme;
