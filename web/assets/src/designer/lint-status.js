// Lint as you draw: bpmn-js-bpmnlint marks the elements; this keeps a count and a list of the
// issues (in the page's language) beside the canvas, each selecting its element on click.
import { groupLabels } from './deploy.js';
import { typeLabel } from './diff.js';

export function lintStatus(modeler, box, text, select) {
  const translate = modeler.get('translate');
  const nameOf = groupLabels(modeler.get('sqflowCatalog'));
  let current = { errors: 0, warnings: 0 };

  modeler.on('linting.completed', ({ issues }) => {
    const rows = [];
    Object.keys(issues).forEach(id => issues[id].forEach(issue => rows.push({ id, ...issue })));
    current = {
      errors: rows.filter(row => row.category === 'error').length,
      warnings: rows.filter(row => row.category === 'warn').length
    };
    const summary = box.querySelector('.summary');
    const list = box.querySelector('ul');
    box.classList.toggle('clean', !rows.length);
    box.classList.toggle('has-errors', current.errors > 0);
    summary.textContent = rows.length ? text.lintIssues.replace('%(errors)d', current.errors)
      .replace('%(warnings)d', current.warnings) : text.lintClean;
    list.replaceChildren(...rows.map(row => {
      const item = document.createElement('li');
      const element = modeler.get('elementRegistry').get(row.id);
      const name = element && (nameOf(element.businessObject) || typeLabel(element.businessObject, translate));
      item.className = row.category === 'error' ? 'error' : 'warning';
      item.textContent = (name ? '「' + name + '」' : '') + translate(row.message);
      item.addEventListener('click', () => select(row.id));
      return item;
    }));
  });

  return {
    clean: () => current.errors === 0 && current.warnings === 0,
    errors: () => current.errors
  };
}
