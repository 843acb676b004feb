// The `translate` service of bpmn-js, diagram-js, the properties panel and bpmn-js-bpmnlint:
// zh-CN from zh.js when the page is Chinese, the English text otherwise.
import { PATTERNS, ZH } from './zh.js';

const LOWER = Object.fromEntries(Object.entries(ZH).map(([ key, value ]) => [ key.toLowerCase(), value ]));

// 'Timer Boundary Event (Non Interrupting)' is the panel's way of writing 'Timer boundary event (non-interrupting)'.
function loosely(template) {
  return LOWER[template.toLowerCase()] || LOWER[template.toLowerCase().replace('non interrupting', 'non-interrupting')];
}

export function translator(locale) {
  const chinese = /^zh/.test(locale || '');
  return function translate(template, replacements) {
    let text = template;
    if (chinese) {
      if (Object.prototype.hasOwnProperty.call(ZH, template)) {
        text = ZH[template];
      } else {
        const found = PATTERNS.find(([ pattern ]) => pattern.test(template));
        text = found ? found[1](template.match(found[0])) : (loosely(template) || template);
      }
    }
    return text.replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
  };
}

export function translateModule(locale) {
  return { translate: [ 'value', translator(locale) ] };
}

// Some parts of bpmn-js's properties panel and of dmn-js write titles and labels without the
// translate service: they are translated as they appear in `container`.
export function translateTitles(container, translate) {
  const fix = () => container.querySelectorAll('[title], [aria-label]').forEach(element => {
    for (const attribute of [ 'title', 'aria-label' ]) {
      const value = element.getAttribute(attribute);
      const text = value && translate(value);
      if (text && text !== value) {
        element.setAttribute(attribute, text);
      }
    }
  });
  new MutationObserver(fix).observe(container, { subtree: true, childList: true });
  fix();
}
