// The server's problems (file, line, element id, message): listed above the canvas and marked on
// the elements they name; a click selects the element.
export function problemView(modeler, list, text) {
  let marked = [];
  const registry = () => modeler.get('elementRegistry');

  function select(id) {
    const element = id ? registry().get(id) : null;
    if (!element) {
      return;
    }
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  }

  function clear() {
    const canvas = modeler.get('canvas');
    marked.forEach(id => registry().get(id) && canvas.removeMarker(id, 'sqflow-problem'));
    marked = [];
    modeler.get('overlays').remove({ type: 'sqflow-problem' });
    list.replaceChildren();
    list.hidden = true;
  }

  function show(problems) {
    clear();
    if (!problems.length) {
      return;
    }
    const byElement = {};
    problems.forEach(problem => {
      const item = document.createElement('li');
      const element = problem.element_id ? registry().get(problem.element_id) : null;
      const where = document.createElement('span');
      where.className = 'where';
      const name = element && element.businessObject.name;
      where.textContent = name ? '「' + name + '」' : (problem.line ? text.line.replace('%(line)d', problem.line) : '');
      item.append(where, ' ', problem.message);
      if (element) {
        item.classList.add('clickable');
        item.addEventListener('click', () => select(problem.element_id));
        (byElement[problem.element_id] = byElement[problem.element_id] || []).push(problem.message);
      }
      list.append(item);
    });
    Object.keys(byElement).forEach(id => {
      modeler.get('canvas').addMarker(id, 'sqflow-problem');
      marked.push(id);
      const badge = document.createElement('div');
      badge.className = 'sqflow-problem-badge';
      badge.textContent = '!' + (byElement[id].length > 1 ? ' ' + byElement[id].length : '');
      badge.title = byElement[id].join('\n');
      badge.addEventListener('click', () => select(id));
      modeler.get('overlays').add(id, 'sqflow-problem', { position: { top: -10, right: 10 }, html: badge });
    });
    list.hidden = false;
  }

  return { show, clear, select };
}
