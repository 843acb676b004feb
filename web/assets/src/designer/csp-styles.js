// Libraries that write style="…" into HTML strings get data-csp-style="…" instead (build.mjs):
// the CSP refuses inline style attributes, but styles set through the CSSOM are allowed.
const ATTRIBUTE = 'data-csp-style';

function apply(element) {
  element.style.cssText = element.getAttribute(ATTRIBUTE);
  element.removeAttribute(ATTRIBUTE);
}

function sweep(root) {
  if (root.nodeType !== 1) {
    return;
  }
  if (root.hasAttribute(ATTRIBUTE)) {
    apply(root);
  }
  root.querySelectorAll('[' + ATTRIBUTE + ']').forEach(apply);
}

export function applyCspStyles(root = document.body) {
  sweep(root);
  new MutationObserver(mutations => mutations.forEach(mutation => {
    if (mutation.type === 'attributes') {
      if (mutation.target.hasAttribute(ATTRIBUTE)) {
        apply(mutation.target);
      }
      return;
    }
    mutation.addedNodes.forEach(sweep);
  })).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: [ ATTRIBUTE ] });
}
